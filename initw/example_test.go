package initw_test

import (
	"fmt"
	"log"
	"math"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Compare the Hebbian (cross-correlation) and pseudo-inverse
// (least-squares) initialisations on a small set, and recall with each.
func ExampleInit() {
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post, p.PA = 10, 10, 5, 5, 0.01
	set, err := raster.Generate(raster.Config{M: 3, N: 128, T: 100, P: p.PA}, 2)
	if err != nil {
		log.Fatal(err)
	}

	hebb := initw.Defaults() // Hebbian, matched targets, row normalisation
	pinv := initw.Defaults()
	pinv.Method = initw.PseudoInverse // uses Tol and MaxIter

	for _, c := range []initw.Config{hebb, pinv} {
		w, st, err := initw.Init(set, p, c)
		if err != nil {
			log.Fatal(err)
		}
		all, _, err := network.Recall(w, p, set, 1, 0)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d contexts (M·(T−D) = %d), recall F1 %.3f\n", c.Method, st.Contexts, set.M()*(set.T-p.D), all.F1())
		if c.Method == initw.PseudoInverse {
			fmt.Println("conjugate gradients converged:", st.Residual < c.Tol, st.Iterations > 0 && st.Iterations <= c.MaxIter)
		}
	}
	// Output:
	// hebbian: 270 contexts (M·(T−D) = 270), recall F1 1.000
	// pinv: 270 contexts (M·(T−D) = 270), recall F1 1.000
	// conjugate gradients converged: true true
}

// TestPseudoInverseSingularGramDoesNotDiverge is the regression test of a
// divergence fixed by the ridge in initw/pinv.go.
//
// When the contexts are linearly dependent (sparse patterns at small
// N·D·p_A: here C is 270 × 640 of rank 259, 6 contexts empty and 5 more
// dependent), the Gram matrix C·Cᵀ is singular and (C·Cᵀ)·A = Y has no
// solution. Jacobi-preconditioned CG then diverges along the null space
// instead of stopping: after MaxIter = 200 iterations Stats.Residual was
// about 2e17 and |W| about 4e17, yet Init returned no error. The minimum-norm
// least-squares W = Y·C⁺ it promises is well defined (and bounded) here.
func TestPseudoInverseSingularGramDoesNotDiverge(t *testing.T) {
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post, p.PA = 10, 10, 5, 5, 0.005
	set, err := raster.Generate(raster.Config{M: 3, N: 64, T: 100, P: p.PA}, 2)
	if err != nil {
		t.Fatal(err)
	}
	c := initw.Defaults()
	c.Method = initw.PseudoInverse
	w, st, err := initw.Init(set, p, c)
	if err != nil {
		return // refusing a system it cannot solve is acceptable
	}
	largest := 0.0
	for _, v := range w.W {
		largest = math.Max(largest, math.Abs(v))
	}
	// x = 0 has relative residual 1: a solver must not return worse.
	if st.Residual > 1 || largest > 1e3 {
		t.Errorf("pseudo-inverse diverged without an error: %d iterations, residual %.3g, max |W| %.3g",
			st.Iterations, st.Residual, largest)
	}
}
