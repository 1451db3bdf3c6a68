// Package atomicfile writes files so that readers see either the old
// content or the complete new content, never a partial file.
//
// The data goes to a temporary file in the destination's directory, which
// is flushed, synced to stable storage and closed before it is renamed
// onto the destination. A rename within one directory is atomic on POSIX
// file systems. On any error the temporary file is removed and the
// destination is left untouched.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// bufSize is the size of the write buffer placed in front of the
// temporary file.
const bufSize = 1 << 20

// defaultPerm is the permission of a newly created file. An existing
// destination keeps its permission bits.
const defaultPerm fs.FileMode = 0o644

// Write atomically replaces the file at path with what write writes to
// w. w is buffered; write need not buffer it again. If write returns an
// error, or flushing, syncing, closing or renaming fails, the temporary
// file is removed, path is left as it was, and the error is returned
// wrapped with path.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := defaultPerm
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("writing %s: it exists and is not a regular file; choose another path", path)
		}
		perm = fi.Mode().Perm()
	}

	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // may already be closed; the error is the one to report
			os.Remove(tmp)
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()

	bw := bufio.NewWriterSize(f, bufSize)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// WriteBytes atomically replaces the file at path with b.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
