package raster_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/hdsnn/hdsnn/raster"
)

func ExampleGenerate() {
	c := raster.Config{M: 3, N: 100, T: 1000, P: 0.01, Periodic: 41, Refractory: 5}
	s, err := raster.Generate(c, 42)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d patterns of %d neurons × %d steps\n", s.M(), s.N, s.T)
	for mu, p := range s.Patterns {
		fmt.Printf("pattern %d: %d spikes, rate %.4f\n", mu, p.Count(), p.Rate())
	}
	fmt.Println("first spikes of pattern 0:", s.Patterns[0].Events()[:3])

	// The last 41 steps repeat the first 41.
	p := s.Patterns[0]
	same := true
	for i := range c.N {
		for k := range c.Periodic {
			same = same && p.Has(i, k) == p.Has(i, c.T-c.Periodic+k)
		}
	}
	fmt.Println("periodic:", same)

	// The same seed gives the same patterns.
	again, _ := raster.Generate(c, 42)
	fmt.Println("reproducible:", slices.Equal(again.Dense(), s.Dense()))
	// Output:
	// 3 patterns of 100 neurons × 1000 steps
	// pattern 0: 951 spikes, rate 0.0095
	// pattern 1: 944 spikes, rate 0.0094
	// pattern 2: 950 spikes, rate 0.0095
	// first spikes of pattern 0: [{48 1} {14 7} {91 9}]
	// periodic: true
	// reproducible: true
}

func ExampleWriteNPY() {
	dir, err := os.MkdirTemp("", "raster-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := raster.Generate(raster.Config{M: 2, N: 4, T: 6, P: 0.3}, 1)
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "patterns.npy") // numpy: np.load(path).shape == (2, 4, 6)
	if err := raster.WriteNPY(path, s); err != nil {
		log.Fatal(err)
	}
	back, err := raster.ReadNPY(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("read %d×%d×%d, same as written: %v\n", back.M(), back.N, back.T, slices.Equal(back.Dense(), s.Dense()))
	for mu, p := range back.Patterns {
		fmt.Println("pattern", mu)
		d := p.Dense() // neuron-major: d[i*T+t]
		for i := range p.N {
			fmt.Println(d[i*p.T : (i+1)*p.T])
		}
	}
	// Output:
	// read 2×4×6, same as written: true
	// pattern 0
	// [0 0 0 0 0 0]
	// [0 1 0 0 0 0]
	// [1 0 0 0 0 0]
	// [0 1 1 0 0 0]
	// pattern 1
	// [1 1 0 1 1 0]
	// [0 0 0 0 0 0]
	// [0 0 0 0 0 0]
	// [0 0 0 0 0 0]
}

func ExampleReadCSV() {
	dir, err := os.MkdirTemp("", "raster-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	path := filepath.Join(dir, "spikes.csv")
	csv := "# two patterns of 3 neurons\npattern,neuron,step\n0,2,0\n0,0,4\n1,1,3\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		log.Fatal(err)
	}
	s, err := raster.ReadCSV(path, 3, 0) // 3 neurons; steps inferred
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d patterns of %d neurons × %d steps\n", s.M(), s.N, s.T)
	for mu, p := range s.Patterns {
		fmt.Println(mu, p.Events())
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("neuron,step\n0,1\n1,-3\n"), 0o644)
	_, err = raster.ReadCSV(bad, 0, 0)
	fmt.Println(filepath.Base(err.Error()))
	// Output:
	// 2 patterns of 3 neurons × 5 steps
	// 0 [{2 0} {0 4}]
	// 1 [{1 3}]
	// bad.csv:3: step -3 is negative
}
