package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWrite(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name     string
		existing string // "" means no file before the write
		write    func(w io.Writer) error
		want     string // content afterwards; "" means no file
		wantErr  error
	}{
		{
			name:  "new file",
			write: func(w io.Writer) error { _, err := io.WriteString(w, "hello"); return err },
			want:  "hello",
		},
		{
			name:     "overwrite",
			existing: "old content that is longer",
			write:    func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err },
			want:     "new",
		},
		{
			name:    "failing writer leaves nothing",
			write:   func(w io.Writer) error { io.WriteString(w, "partial"); return errBoom },
			wantErr: errBoom,
		},
		{
			name:     "failing writer keeps the old file",
			existing: "old",
			write:    func(w io.Writer) error { io.WriteString(w, "partial"); return errBoom },
			want:     "old",
			wantErr:  errBoom,
		},
		{
			name: "large write",
			write: func(w io.Writer) error {
				_, err := io.WriteString(w, strings.Repeat("x", 3*bufSize+7))
				return err
			},
			want: strings.Repeat("x", 3*bufSize+7),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.bin")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, tt.write)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Write error = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the path %q", err, path)
			}
			got, rerr := os.ReadFile(path)
			switch {
			case tt.want == "" && !errors.Is(rerr, os.ErrNotExist):
				t.Errorf("file exists after failed write (read error %v)", rerr)
			case tt.want != "" && rerr != nil:
				t.Fatal(rerr)
			case string(got) != tt.want:
				t.Errorf("content = %.40q (len %d), want %.40q (len %d)", got, len(got), tt.want, len(tt.want))
			}
			// Only the destination may remain: no temporary files.
			want := []string{"out.bin"}
			if tt.want == "" {
				want = nil
			}
			if names := entries(t, dir); !slices.Equal(names, want) {
				t.Errorf("directory holds %v, want %v", names, want)
			}
			if tt.existing != "" {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if perm := fi.Mode().Perm(); perm != 0o600 {
					t.Errorf("permission = %v, want the old file's 0600", perm)
				}
			}
		})
	}
}

func TestWriteNewFilePermission(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.txt")
	if err := WriteBytes(path, []byte("x")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != defaultPerm {
		t.Errorf("permission = %v, want %v", perm, defaultPerm)
	}
}

func TestWriteBytes(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("abc\n")},
		{"binary", []byte{0, 1, 2, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := WriteBytes(path, tt.data); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(tt.data) {
				t.Errorf("content = %q, want %q", got, tt.data)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "f")},
		{"destination is a directory", dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(tt.path, func(io.Writer) error { return nil })
			if err == nil {
				t.Fatal("Write succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name the path", err)
			}
		})
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v after failed writes, want nothing", names)
	}
}
