package npy

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// header is the parsed dictionary of a .npy header.
type headerDict struct {
	descr   string
	fortran bool
	shape   []int
}

// parseHeaderDict parses the Python literal dictionary of a .npy header as
// numpy's own reader (ast.literal_eval) accepts it: the keys 'descr',
// 'fortran_order' and 'shape', each exactly once, in any order, with
// single or double quotes, any spaces and an optional trailing comma;
// the shape a tuple of non-negative integers. Anything else is an error.
func parseHeaderDict(s string) (headerDict, error) {
	p := &litParser{s: s}
	var h headerDict
	seen := map[string]bool{}
	p.space()
	if !p.eat('{') {
		return h, p.errorf("the header is not a dictionary: it does not start with '{'")
	}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return h, err
		}
		p.space()
		if !p.eat(':') {
			return h, p.errorf("no ':' after key %q", key)
		}
		p.space()
		switch key {
		case "descr":
			if h.descr, err = p.descr(); err != nil {
				return h, err
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
				h.fortran = false
			default:
				return h, p.errorf("fortran_order is not True or False")
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return h, err
			}
		default:
			return h, p.errorf("unknown key %q; a .npy header has the keys descr, fortran_order and shape", key)
		}
		if seen[key] {
			return h, p.errorf("key %q appears twice", key)
		}
		seen[key] = true
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat('}') {
			return h, p.errorf("expected ',' or '}'")
		}
		break
	}
	p.space()
	if p.i != len(p.s) {
		return h, p.errorf("text after the dictionary")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, p.errorf("the key %q is missing", k)
		}
	}
	return h, nil
}

// litParser reads a Python literal.
type litParser struct {
	s string
	i int
}

// errorf returns an error naming the position.
func (p *litParser) errorf(format string, a ...any) error {
	return fmt.Errorf("at character %d: %s", p.i, fmt.Sprintf(format, a...))
}

// space skips white space.
func (p *litParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

// eat consumes c if it is next.
func (p *litParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// word consumes w if it is next and not followed by a name character.
func (p *litParser) word(w string) bool {
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	if j := p.i + len(w); j < len(p.s) && (p.s[j] == '_' || isAlnum(p.s[j])) {
		return false
	}
	p.i += len(w)
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// str reads a quoted string without escapes (numpy's keys and dtypes
// need none).
func (p *litParser) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.errorf("expected a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsAny(v, "\\\n") {
		return "", p.errorf("string %q holds an escape or a line break", v)
	}
	p.i += end + 2
	return v, nil
}

// tuple reads a tuple of integers: (), (3,), (3, 4) or
// (3, 4,).
func (p *litParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, p.errorf("the shape is not a tuple")
	}
	shape := []int{}
	for {
		p.space()
		if p.eat(')') {
			return shape, nil // () or after a trailing comma
		}
		j := p.i
		p.eat('-') // a negative dimension is reported by the caller
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if j == p.i || p.s[p.i-1] == '-' {
			return nil, p.errorf("the shape holds something other than integers")
		}
		v, err := strconv.ParseInt(p.s[j:p.i], 10, 64)
		if err != nil || v > math.MaxInt || v < math.MinInt {
			return nil, errors.Join(p.errorf("dimension %s is too large", p.s[j:p.i]), err)
		}
		shape = append(shape, int(v))
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat(')') {
			return nil, p.errorf("the shape tuple is not closed by ')'")
		}
		if len(shape) == 1 {
			return nil, p.errorf("(%d) is not a tuple; a one-dimensional shape is written (%d,)", shape[0], shape[0])
		}
		return shape, nil
	}
}

// descr reads a dtype description: a string, or the list of a structured
// dtype, returned as its text for the error message.
func (p *litParser) descr() (string, error) {
	if p.i >= len(p.s) || p.s[p.i] != '[' {
		return p.str()
	}
	depth, j := 0, p.i
	for ; j < len(p.s); j++ {
		switch p.s[j] {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		}
		if depth == 0 {
			v := p.s[p.i : j+1]
			p.i = j + 1
			return v, nil
		}
	}
	return "", p.errorf("unterminated list")
}
