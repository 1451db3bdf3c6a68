// Package enum implements the text form of the library's small enumerated
// types: each is an int whose values index a list of names.
package enum

import (
	"fmt"
	"strings"
)

// String returns names[v], or Type(v) when v is out of range.
func String[T ~int](typ string, names []string, v T) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, int(v))
}

// Parse returns the value whose name is s (case-insensitive). Its error
// names what (e.g. "init method") and the accepted names.
func Parse[T ~int](what string, names []string, s string) (T, error) {
	for i, n := range names {
		if strings.EqualFold(n, s) {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("%s %q is not known; use %s", what, s, Or(names))
}

// Valid reports whether v names one of names.
func Valid[T ~int](names []string, v T) bool { return v >= 0 && int(v) < len(names) }

// Or lists names as "a, b or c".
func Or(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
