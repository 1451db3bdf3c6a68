package figure

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// tickLabels returns the labelled ticks of the x axis of p as drawn.
func tickLabels(t *testing.T, p LinePlot) []string {
	t.Helper()
	pl, err := p.Plot()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tk := range pl.X.Tick.Marker.Ticks(pl.X.Min, pl.X.Max) {
		if tk.Label != "" {
			out = append(out, tk.Label)
		}
	}
	return out
}

func TestXTicksAtValues(t *testing.T) {
	xs := []float64{64, 128, 256, 512, 1024, 2048}
	p := LinePlot{LogX: true, XTicks: xs, Series: []Series{{X: xs, Y: []float64{1, 2, 3, 4, 5, 6}}}}
	if got := tickLabels(t, p); !slices.Equal(got, []string{"64", "128", "256", "512", "1024", "2048"}) {
		t.Errorf("ticks %v, want one at every value", got)
	}
}

func TestCategories(t *testing.T) {
	cats := []string{"matched", "deconvolved", "raw"}
	p := LinePlot{XCategories: cats, Series: []Series{{X: []float64{0, 1, 2}, Y: []float64{1, 0.99, 1}, Err: []float64{0, 0.01, 0}}}}
	if got := tickLabels(t, p); !slices.Equal(got, cats) {
		t.Errorf("ticks %v, want %v", got, cats)
	}
	if err := p.Save(filepath.Join(t.TempDir(), "c")); err != nil {
		t.Fatal(err)
	}
}

func TestPiecesAtNaN(t *testing.T) {
	nan := math.NaN()
	s := Series{X: []float64{0, 1, 2, 3, 4, 5}, Y: []float64{nan, 1, 2, nan, nan, 3}, Err: []float64{0, 0.1, 0.2, 0, 0, 0.3}}
	ps := pieces(s)
	if len(ps) != 2 || len(ps[0].xys) != 2 || ps[0].xys[0].X != 1 || len(ps[1].xys) != 1 || ps[1].err[0] != 0.3 {
		t.Errorf("pieces %+v", ps)
	}
	p := LinePlot{Series: []Series{s}}
	if err := p.Save(filepath.Join(t.TempDir(), "gaps")); err != nil {
		t.Fatal(err)
	}
}

func TestStack(t *testing.T) {
	panel := func(title string) LinePlot {
		return LinePlot{Title: title, Series: []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{0.5, 1}}}}
	}
	s := Stack{Title: strings.Repeat("a long title that cannot fit ", 6), Panels: []LinePlot{panel("F1"), panel("precision")}}
	pls, err := s.Plots()
	if err != nil || len(pls) != 2 || pls[1].Title.Text != "precision" {
		t.Fatalf("plots %v, %v", pls, err)
	}
	base := filepath.Join(t.TempDir(), "stack")
	if err := s.Save(base); err != nil {
		t.Fatal(err)
	}
	if sz := readPNG(t, base+".png").Bounds().Size(); sz.X != 6*DPI || sz.Y <= 2*2.4*DPI || sz.Y > 2*2.4*DPI+60 {
		t.Errorf("stack of 2 panels is %v pixels", sz)
	}
	if err := (Stack{}).Validate(); err == nil {
		t.Error("an empty stack validated")
	}
}

func TestFitTitle(t *testing.T) {
	p := LinePlot{Title: strings.Repeat("wide ", 40), Series: []Series{{X: []float64{1}, Y: []float64{1}}}}
	pl, err := p.Plot()
	if err != nil {
		t.Fatal(err)
	}
	fitTitle(pl, 3*vg.Inch)
	if s := pl.Title.TextStyle.Font.Size; s >= titleSize || s < minTitleSize {
		t.Errorf("title size %v, want it shrunk within [%d, %d)", s, minTitleSize, titleSize)
	}
	pl.Title.Text = "short"
	fitTitle(pl, 3*vg.Inch)
	if s := pl.Title.TextStyle.Font.Size; s != titleSize {
		t.Errorf("a short title shrunk to %v", s)
	}
}

// readPNG decodes the PNG file at path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}
