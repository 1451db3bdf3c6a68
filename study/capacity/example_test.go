package capacity_test

import (
	"fmt"

	"github.com/hdsnn/hdsnn/study/capacity"
)

// LargestPassing finds the boundary of a monotone test by doubling, then
// bisection: here every M up to 37 passes.
func ExampleLargestPassing() {
	var tried []int
	m, _ := capacity.LargestPassing(1000, 0.99, func(m int) (float64, error) {
		tried = append(tried, m)
		if m <= 37 {
			return 1, nil
		}
		return 0.2, nil
	})
	fmt.Println(m, tried)
	// Output:
	// 37 [1 2 4 8 16 32 64 48 40 36 38 37]
}
