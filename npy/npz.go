package npy

import "archive/zip"

// ZipHeader returns the shape and dtype of f, one .npy member of a .npz
// archive (a zip of .npy files), without reading its data.
func ZipHeader(f *zip.File) (shape []int, dtype string, err error) {
	r, err := f.Open()
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	return HeaderFrom(r)
}

// ZipFloat64 reads f, one .npy member of a .npz archive, as float64
// (see ReadFloat64From for the dtypes it converts).
func ZipFloat64(f *zip.File) ([]float64, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	a, err := ReadFloat64From(r)
	if err != nil {
		return nil, err
	}
	return a.Data, nil
}
