package raster

import (
	"slices"
	"testing"
)

func TestUnion(t *testing.T) {
	for _, tc := range []struct{ a, b, want []int32 }{
		{nil, nil, nil},
		{[]int32{1, 4}, nil, []int32{1, 4}},
		{nil, []int32{2}, []int32{2}},
		{[]int32{1, 3, 5}, []int32{2, 3, 6}, []int32{1, 2, 3, 5, 6}},
		{[]int32{7}, []int32{7}, []int32{7}},
	} {
		if got := Union(tc.a, tc.b); !slices.Equal(got, tc.want) {
			t.Errorf("Union(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
