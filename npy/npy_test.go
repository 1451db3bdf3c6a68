package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
)

// handmade returns the bytes of a version 1.0 .npy file with the given
// header fields and raw data, padded as numpy pads.
func handmade(descr string, fortran bool, shape string, data []byte) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': %s, 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	b = append(b, dict...)
	return append(b, data...)
}

// le8 returns the little-endian float64 encoding of vals.
func le8(vals []float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// npyioBytes returns the .npy encoding of v written by npyio.
func npyioBytes(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := npyio.Write(&buf, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeFile writes b to a file named name in a fresh directory and
// returns its path.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadDTypes(t *testing.T) {
	// 0/1 values so that every case also reads as binary.
	bin := []float64{0, 1, 1, 0, 1, 0}
	be := func(size int) []byte { // big-endian encoding of bin
		var b []byte
		for _, v := range bin {
			switch size {
			case 4:
				b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(v)))
			case 8:
				b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
			case 2:
				b = binary.BigEndian.AppendUint16(b, uint16(v))
			}
		}
		return b
	}
	tests := []struct {
		dtype string
		file  []byte
		shape []int
		want  []float64
	}{
		{"|b1", npyioBytes(t, []bool{false, true, true, false, true, false}), []int{6}, bin},
		{"|i1", npyioBytes(t, []int8{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<i2", npyioBytes(t, []int16{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<i4", npyioBytes(t, []int32{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<i8", npyioBytes(t, []int64{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"|u1", npyioBytes(t, []uint8{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<u2", npyioBytes(t, []uint16{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<u4", npyioBytes(t, []uint32{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<u8", npyioBytes(t, []uint64{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<f4", npyioBytes(t, []float32{0, 1, 1, 0, 1, 0}), []int{6}, bin},
		{"<f8", npyioBytes(t, bin), []int{6}, bin},
		{">f8", handmade("'>f8'", false, "(2, 3)", be(8)), []int{2, 3}, bin},
		{">f4", handmade("'>f4'", false, "(1, 2, 3)", be(4)), []int{1, 2, 3}, bin},
		{">i2", handmade("'>i2'", false, "(3, 2)", be(2)), []int{3, 2}, bin},
		{"|u1", handmade("'|u1'", false, "(3, 1, 2)", []byte{0, 1, 1, 0, 1, 0}), []int{3, 1, 2}, bin},
		{"|b1", handmade("'|b1'", false, "(2, 1, 3)", []byte{0, 1, 1, 0, 1, 0}), []int{2, 1, 3}, bin},
		// Fortran order is accepted where it coincides with C order.
		{"<f8", handmade("'<f8'", true, "(6,)", le8(bin)), []int{6}, bin},
		{"<f8", handmade("'<f8'", true, "(1, 6, 1)", le8(bin)), []int{1, 6, 1}, bin},
	}
	for _, tt := range tests {
		t.Run(tt.dtype+fmt.Sprint(tt.shape), func(t *testing.T) {
			path := writeFile(t, "a.npy", tt.file)
			a, err := ReadFloat64(path)
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != tt.dtype || !slices.Equal(a.Shape, tt.shape) || !slices.Equal(a.Data, tt.want) {
				t.Errorf("ReadFloat64 = %s %v %v, want %s %v %v", a.DType, a.Shape, a.Data, tt.dtype, tt.shape, tt.want)
			}
			shape, data, err := ReadBinary(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, tt.shape) {
				t.Errorf("ReadBinary shape = %v, want %v", shape, tt.shape)
			}
			for i, v := range data {
				if float64(v) != tt.want[i] {
					t.Fatalf("ReadBinary data = %v, want %v", data, tt.want)
				}
			}
		})
	}
}

func TestReadFloat64Values(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want []float64
	}{
		{"int8 negative", npyioBytes(t, []int8{-128, -1, 0, 127}), []float64{-128, -1, 0, 127}},
		{"int16", npyioBytes(t, []int16{-32768, 32767}), []float64{-32768, 32767}},
		{"int32", npyioBytes(t, []int32{math.MinInt32, 7}), []float64{math.MinInt32, 7}},
		{"int64", npyioBytes(t, []int64{-1 << 40, 3}), []float64{-1 << 40, 3}},
		{"uint8", npyioBytes(t, []uint8{255, 3}), []float64{255, 3}},
		{"uint16", npyioBytes(t, []uint16{65535}), []float64{65535}},
		{"uint32", npyioBytes(t, []uint32{math.MaxUint32}), []float64{math.MaxUint32}},
		{"uint64", npyioBytes(t, []uint64{1 << 60}), []float64{1 << 60}},
		{"float32", npyioBytes(t, []float32{0.5, -2.25, float32(math.Inf(1))}), []float64{0.5, -2.25, math.Inf(1)}},
		{"float64", npyioBytes(t, []float64{math.Pi, -1e-300, math.MaxFloat64}), []float64{math.Pi, -1e-300, math.MaxFloat64}},
		// npyio writes an empty slice with shape (), which is not empty.
		{"empty", handmade("'<f8'", false, "(0,)", nil), []float64{}},
		{"scalar", handmade("'<f8'", false, "()", le8([]float64{2.5})), []float64{2.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ReadFloat64(writeFile(t, "a.npy", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Data, tt.want) {
				t.Errorf("Data = %v, want %v", a.Data, tt.want)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	f8 := npyioBytes(t, []float64{1, 2, 3, 4})
	u1 := handmade("'|u1'", false, "(2, 3)", []byte{0, 1, 0, 1, 0, 1})
	tests := []struct {
		name string
		file []byte
		want []string // substrings of the error message
	}{
		{"truncated at an element boundary", f8[:len(f8)-8], []string{"a.npy", "truncated", "32 bytes", "holds 24"}},
		{"truncated inside an element", f8[:len(f8)-3], []string{"truncated", "holds 29"}},
		{"no data", f8[:len(f8)-32], []string{"truncated", "holds 0"}},
		{"truncated uint8", u1[:len(u1)-1], []string{"truncated", "shape (2, 3) of |u1"}},
		{"truncated header", f8[:20], []string{"truncated", "header"}},
		{"trailing data", append(slices.Clone(u1), 9, 9), []string{"2 bytes follow"}},
		{"not npy", []byte("neuron,step\n1,2\n"), []string{"a.npy", "not a .npy file"}},
		{"empty file", nil, []string{"not a .npy file"}},
		{"version 3", append([]byte("\x93NUMPY\x03\x00"), make([]byte, 100)...), []string{"version 3.0"}},
		{"huge header length", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"), []string{"corrupt"}},
		{"header without newline", append([]byte("\x93NUMPY\x01\x00\x04\x00"), "abcd"...), []string{"malformed"}},
		{"header cut short", handmade("'<f8'", false, "(1,)", nil)[:10+6], []string{"truncated", "header"}},
		{"header without keys", append([]byte("\x93NUMPY\x01\x00\x0b\x00"), "{'foo': 1}\n"...), []string{"malformed .npy header"}},
		{"fortran order", handmade("'<f8'", true, "(2, 2)", make([]byte, 32)), []string{"Fortran order", "ascontiguousarray"}},
		{"complex", handmade("'<c16'", false, "(1,)", make([]byte, 16)), []string{"dtype <c16 is not supported; save as float64 or float32"}},
		{"object", handmade("'|O'", false, "(1,)", make([]byte, 8)), []string{"dtype |O is not supported"}},
		{"unicode", handmade("'<U5'", false, "(1,)", make([]byte, 20)), []string{"dtype <U5 is not supported"}},
		{"bytes", handmade("'|S3'", false, "(1,)", make([]byte, 3)), []string{"dtype |S3 is not supported"}},
		{"float16", handmade("'<f2'", false, "(1,)", make([]byte, 2)), []string{"dtype <f2 is not supported"}},
		{"datetime", handmade("'<M8[s]'", false, "(1,)", make([]byte, 8)), []string{"dtype <M8[s] is not supported"}},
		{"structured", handmade("[('a', '<f8')]", false, "(1,)", make([]byte, 8)), []string{"structured dtype"}},
		{"negative shape", handmade("'<f8'", false, "(-1,)", nil), []string{"negative dimension"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "a.npy", tt.file)
			_, err := ReadFloat64(path)
			if err == nil {
				t.Fatal("ReadFloat64 succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ReadFloat64 error %q does not contain %q", err, w)
				}
			}
			_, _, err = ReadBinary(path)
			if err == nil {
				t.Fatal("ReadBinary succeeded, want an error")
			}
			if w := strings.ReplaceAll(tt.want[0], "float64 or float32", "uint8 or bool"); !strings.Contains(err.Error(), w) {
				t.Errorf("ReadBinary error %q does not contain %q", err, w)
			}
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.npy")
	if _, err := ReadFloat64(path); !os.IsNotExist(err) || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadFloat64 error = %v, want a not-exist error naming the path", err)
	}
}

func TestReadBinaryBadValues(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"uint8 2", handmade("'|u1'", false, "(2, 3)", []byte{0, 1, 0, 1, 2, 1}), "element 4 (index [1 1] of shape (2, 3)) is 2;"},
		{"bool byte 2", handmade("'|b1'", false, "(3,)", []byte{0, 1, 2}), "element 2 (index [2] of shape (3,)) is 2;"},
		{"int8 -1", npyioBytes(t, []int8{0, -1}), "element 1 (index [1] of shape (2,)) is -1;"},
		{"float 0.5", npyioBytes(t, []float64{1, 0, 0.5, 7}), "element 2 (index [2] of shape (4,)) is 0.5;"},
		{"NaN", npyioBytes(t, []float32{0, float32(math.NaN())}), "element 1 (index [1] of shape (2,)) is NaN;"},
		{"-0 is 0, then 3", npyioBytes(t, []float64{math.Copysign(0, -1), 3}), "element 1 (index [1] of shape (2,)) is 3;"},
		{"int64 2^40", npyioBytes(t, []int64{1 << 40}), "element 0 (index [0] of shape (1,)) is 1.099511627776e+12;"},
		{"uint16 256", npyioBytes(t, []uint16{1, 256}), "is 256;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "s.npy", tt.file)
			_, _, err := ReadBinary(path)
			if err == nil {
				t.Fatal("ReadBinary succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not start with the path and contain %q", err, tt.want)
			}
		})
	}
}

// TestReadBinaryLargeChunks checks a bad value past the first chunk of a
// multi-byte dtype and one in a later chunk of a uint8 file.
func TestReadBinaryLargeChunks(t *testing.T) {
	n := 3*chunkBytes + 5
	f := make([]float32, n)
	u := make([]uint8, n)
	for i := range f {
		f[i] = float32(i % 2)
		u[i] = uint8(i % 3 % 2)
	}
	shape, data, err := ReadBinary(writeFile(t, "ok.npy", npyioBytes(t, f)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shape, []int{n}) || data[n-1] != uint8(f[n-1]) || data[n-2] != uint8(f[n-2]) {
		t.Errorf("ReadBinary = %v, tail %v; want shape [%d], tail %v", shape, data[n-2:], n, f[n-2:])
	}
	bad := n - 2
	f[bad] = 3
	u[bad] = 3
	for name, b := range map[string][]byte{"float32": npyioBytes(t, f), "uint8": npyioBytes(t, u)} {
		_, _, err := ReadBinary(writeFile(t, "bad.npy", b))
		if want := fmt.Sprintf("element %d ", bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: ReadBinary error = %v, want one containing %q", name, err, want)
		}
	}
}

func TestWriteRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		shape []int
	}{
		{"scalar", []int{}},
		{"1-d", []int{5}},
		{"empty", []int{0}},
		{"empty 3-d", []int{3, 0, 2}},
		{"2-d", []int{3, 4}},
		{"3-d", []int{2, 3, 4}},
		{"3-d larger than a chunk", []int{16, 32, 41}},
		{"4-d", []int{2, 1, 3, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, _ := numElems(tt.shape)
			f := make([]float64, n)
			u := make([]uint8, n)
			for i := range f {
				f[i] = float64(i)*0.25 - 3
				u[i] = uint8(i % 2)
			}
			dir := t.TempDir()

			fpath := filepath.Join(dir, "f.npy")
			if err := WriteFloat64(fpath, tt.shape, f); err != nil {
				t.Fatal(err)
			}
			a, err := ReadFloat64(fpath)
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != "<f8" || !slices.Equal(a.Shape, tt.shape) || !slices.Equal(a.Data, f) {
				t.Errorf("ReadFloat64 = %s %v (%d elements), want <f8 %v (%d)", a.DType, a.Shape, len(a.Data), tt.shape, n)
			}
			checkWithNpyio(t, fpath, "'<f8'", tt.shape, f)

			upath := filepath.Join(dir, "u.npy")
			if err := WriteUint8(upath, tt.shape, u); err != nil {
				t.Fatal(err)
			}
			shape, data, err := ReadBinary(upath)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, tt.shape) || !slices.Equal(data, u) {
				t.Errorf("ReadBinary = %v %v, want %v %v", shape, data, tt.shape, u)
			}
			checkWithNpyio(t, upath, "'|u1'", tt.shape, u)
		})
	}
}

// checkWithNpyio reads path with npyio, independently of this package,
// and checks its header and data, and that the data is 64-byte aligned.
func checkWithNpyio[E float64 | uint8](t *testing.T, path, descr string, shape []int, want []E) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x93NUMPY\x01\x00")) {
		t.Errorf("%s does not start with the version 1.0 magic: %q", path, b[:8])
	}
	if hlen := int(binary.LittleEndian.Uint16(b[8:])); (10+hlen)%64 != 0 || b[10+hlen-1] != '\n' {
		t.Errorf("%s: header of %d bytes is not padded to 64 with a final newline: %q", path, hlen, b[:10+hlen])
	}
	r, err := npyio.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header.Descr
	if h.Type != descr || h.Fortran || !slices.Equal(h.Shape, shape) {
		t.Errorf("npyio header = %+v, want %s, C order, shape %v", h, descr, shape)
	}
	var got []E
	if err := r.Read(&got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("npyio read %d elements %.8v, want %d %.8v", len(got), got, len(want), want)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name  string
		shape []int
		n     int
		want  string
	}{
		{"too few elements", []int{2, 3}, 5, "shape (2, 3) holds 6 elements but the data has 5"},
		{"too many elements", []int{2}, 3, "shape (2,) holds 2 elements but the data has 3"},
		{"scalar", nil, 0, "shape () holds 1 elements but the data has 0"},
		{"negative", []int{-2, -3}, 6, "negative dimension"},
		{"overflow", []int{1 << 40, 1 << 40}, 1, "too many elements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "w.npy")
			errs := []error{
				WriteFloat64(path, tt.shape, make([]float64, tt.n)),
				WriteUint8(path, tt.shape, make([]uint8, tt.n)),
			}
			for _, err := range errs {
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path) {
					t.Errorf("error = %v, want one starting with %s and containing %q", err, path, tt.want)
				}
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("failed writes left %d files", len(ents))
			}
		})
	}
}

func TestFixtures(t *testing.T) {
	dir := filepath.Join("..", "testdata", "subtract-small")
	tests := []struct {
		file   string
		binary bool
		shape  []int
	}{
		{"w.npy", false, []int{96, 96, 8}},
		{"spikes.npy", true, []int{3, 96, 110}},
		{"input.npy", true, []int{3, 96, 110}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			a, err := ReadFloat64(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Shape, tt.shape) {
				t.Errorf("shape = %v, want %v", a.Shape, tt.shape)
			}
			if !tt.binary {
				nonzero := slices.ContainsFunc(a.Data, func(v float64) bool { return v != 0 })
				if a.DType != "<f8" || !nonzero {
					t.Errorf("dtype %s, any nonzero %v; want <f8 with nonzero weights", a.DType, nonzero)
				}
				return
			}
			shape, data, err := ReadBinary(path)
			if err != nil {
				t.Fatal(err)
			}
			ones := 0
			for i, v := range data {
				if float64(v) != a.Data[i] {
					t.Fatalf("ReadBinary[%d] = %d, ReadFloat64 = %v", i, v, a.Data[i])
				}
				ones += int(v)
			}
			if !slices.Equal(shape, tt.shape) || ones == 0 || ones == len(data) {
				t.Errorf("ReadBinary shape %v with %d of %d ones; want %v, neither empty nor full", shape, ones, len(data), tt.shape)
			}
		})
	}
}

func TestFormatShape(t *testing.T) {
	tests := []struct {
		shape []int
		want  string
	}{
		{nil, "()"},
		{[]int{3}, "(3,)"},
		{[]int{3, 96, 110}, "(3, 96, 110)"},
	}
	for _, tt := range tests {
		if got := FormatShape(tt.shape); got != tt.want {
			t.Errorf("FormatShape(%v) = %q, want %q", tt.shape, got, tt.want)
		}
	}
}

func benchmarkFile(b *testing.B, write func(path string) error) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "w.npy")
	if err := write(path); err != nil {
		b.Fatal(err)
	}
	return path
}

// weightShape is the shape of a default-size weight tensor, (N, N, D).
var weightShape = []int{512, 512, 41}

func BenchmarkReadFloat64(b *testing.B) {
	n, _ := numElems(weightShape)
	path := benchmarkFile(b, func(p string) error { return WriteFloat64(p, weightShape, make([]float64, n)) })
	b.SetBytes(int64(8 * n))
	for b.Loop() {
		if _, err := ReadFloat64(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadBinary(b *testing.B) {
	n, _ := numElems(weightShape)
	path := benchmarkFile(b, func(p string) error { return WriteUint8(p, weightShape, make([]uint8, n)) })
	b.SetBytes(int64(n))
	for b.Loop() {
		if _, _, err := ReadBinary(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteFloat64(b *testing.B) {
	n, _ := numElems(weightShape)
	data := make([]float64, n)
	path := filepath.Join(b.TempDir(), "w.npy")
	b.SetBytes(int64(8 * n))
	for b.Loop() {
		if err := WriteFloat64(path, weightShape, data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStreams checks the io.Reader and io.Writer forms against the file
// forms, and the sentinel errors of bad streams.
func TestStreams(t *testing.T) {
	var buf bytes.Buffer
	data := []float64{1, -2.5, 3, 0, 7, 9}
	if err := WriteFloat64To(&buf, []int{2, 3}, data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.npy")
	if err := WriteFloat64(path, []int{2, 3}, data); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, buf.Bytes()) {
		t.Error("WriteFloat64To and WriteFloat64 wrote different bytes")
	}
	a, err := ReadFloat64From(bytes.NewReader(file))
	if err != nil || !slices.Equal(a.Data, data) || !slices.Equal(a.Shape, []int{2, 3}) {
		t.Errorf("ReadFloat64From = %+v, %v", a, err)
	}
	buf.Reset()
	if err := WriteUint8To(&buf, []int{4}, []uint8{0, 1, 1, 0}); err != nil {
		t.Fatal(err)
	}
	if shape, d, err := ReadBinaryFrom(bytes.NewReader(buf.Bytes())); err != nil || !slices.Equal(d, []uint8{0, 1, 1, 0}) || !slices.Equal(shape, []int{4}) {
		t.Errorf("ReadBinaryFrom = %v %v %v", shape, d, err)
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"not npy", []byte("hello world, not an array"), ErrNotNPY},
		{"cut", file[:len(file)-3], ErrTruncated},
		{"extra", append(slices.Clone(file), 0, 0), ErrNotNPY},
	}
	for _, tt := range tests {
		_, err := ReadFloat64From(bytes.NewReader(tt.b))
		var pe *ParseError
		if !errors.Is(err, tt.want) || !errors.As(err, &pe) {
			t.Errorf("%s: %v, want a *ParseError wrapping %v", tt.name, err, tt.want)
		}
	}
	if err := WriteUint8To(&buf, []int{3}, []uint8{1}); !errors.Is(err, ErrShape) {
		t.Errorf("short data: %v, want ErrShape", err)
	}
	if _, _, err := ReadBinaryFrom(bytes.NewReader(file)); !errors.Is(err, ErrNotBinary) {
		t.Errorf("non-binary: %v, want ErrNotBinary", err)
	}
}

// TestWriteInts checks the integer writers against numpy's layout, read
// back through ReadFloat64From.
func TestWriteInts(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteInt32To(&buf, []int{2, 2}, []int32{-1, 0, 7, 1 << 30}); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFloat64From(&buf)
	if err != nil || a.DType != "<i4" || !slices.Equal(a.Data, []float64{-1, 0, 7, 1 << 30}) {
		t.Errorf("int32: %+v, %v", a, err)
	}
	buf.Reset()
	if err := WriteInt64To(&buf, []int{3}, []int64{-5, 1 << 40, 3}); err != nil {
		t.Fatal(err)
	}
	a, err = ReadFloat64From(&buf)
	if err != nil || a.DType != "<i8" || !slices.Equal(a.Data, []float64{-5, 1 << 40, 3}) {
		t.Errorf("int64: %+v, %v", a, err)
	}
	if err := WriteInt32To(&buf, []int{3}, []int32{1}); err == nil {
		t.Error("shape of 3 for 1 element: no error")
	}
}
