package figure_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/raster"
)

// A recall trial of 100 steps: 10 steps before the cue, a cue of 5 steps,
// then the free run, scored until step 90.
func ExampleRasterPlot() {
	dir, err := os.MkdirTemp("", "figure")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	target := []raster.Event{{Neuron: 0, Step: 12}, {Neuron: 3, Step: 30}, {Neuron: 1, Step: 55}, {Neuron: 2, Step: 80}}
	p := figure.RasterPlot{
		Title:  "cued recall",
		N:      4,
		Steps:  100,
		Target: target,
		Cue:    target[:1],
		Recall: target[1:],
		Marks:  []figure.Mark{{Step: 10, Label: "cue start"}, {Step: 15, Label: "free run"}, {Step: 90, Label: "end of scored window"}},
	}
	if err := p.Save(filepath.Join(dir, "raster")); err != nil {
		log.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// raster.png
	// raster.svg
}

// A parameter scan on a log x axis, with error bars of one standard error.
func ExampleLinePlot() {
	dir, err := os.MkdirTemp("", "figure")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	lo, hi := 0.0, 1.0
	p := figure.LinePlot{
		Title:  "F1 against activity",
		XLabel: "p_A",
		YLabel: "F1",
		LogX:   true,
		YMin:   &lo,
		YMax:   &hi,
		Series: []figure.Series{{
			Name: "N = 512",
			X:    []float64{2e-4, 1e-3, 5e-3, 5e-2},
			Y:    []float64{1, 0.98, 0.7, 0.05},
			Err:  []float64{0, 0.01, 0.05, 0.02},
		}},
	}
	if err := p.Save(filepath.Join(dir, "scan")); err != nil {
		log.Fatal(err)
	}

	// Values a log axis cannot show are reported, not drawn.
	p.Series[0].X[0] = 0
	fmt.Println(p.Save(filepath.Join(dir, "bad")))
	// Output:
	// figure: series 0 ("N = 512"): X[0] = 0 is not positive, which a log x axis cannot show
}
