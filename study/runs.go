package study

import (
	"context"
	"fmt"
	"sync"

	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
)

// The protocol every study follows for its independent runs: which
// benchmark run k uses, how one run is stored and scored, how a network is
// shared by the runs that cue it, and what the rows of a study depend on.

// ForSeed returns b for the k-th independent run of a study: pattern seed
// b.Seed + k and training seed b.Train.Seed + k. Every study numbers its
// runs this way, so run k of two studies shares its pattern set.
func (b Benchmark) ForSeed(k int) Benchmark {
	b.Seed += uint64(k)
	b.Train.Seed += uint64(k)
	return b
}

// CueLen returns the number of cue steps of a trial of b: Trigger, or T
// when the pattern is shorter.
func (b Benchmark) CueLen() int { return min(b.Params.Trigger, b.Patterns.T) }

// RecallJob returns the job of one run of a study: store the patterns of
// b (training them when trained is true) and score one recall of every
// pattern (background round 0). Its seed is b.Seed.
func RecallJob(values []string, b Benchmark, trained bool) results.Job {
	return results.Job{Values: values, Seed: b.Seed, Run: func(ctx context.Context) (score.Result, error) {
		st, err := b.Store(ctx, trained)
		if err != nil {
			return score.Result{}, err
		}
		return st.Recall(0)
	}}
}

// Shared is the stored network of one seed, built on first use and shared
// by every later caller, for studies that cue one network many times.
type Shared struct {
	bench   Benchmark
	trained bool
	once    sync.Once
	st      *Stored
	err     error
}

// NewShared returns the network of b, to be stored (and, when trained is
// true, trained) by the first Get.
func NewShared(b Benchmark, trained bool) *Shared {
	return &Shared{bench: b, trained: trained}
}

// Bench returns the benchmark of the network.
func (l *Shared) Bench() Benchmark { return l.bench }

// Get returns the network, storing it on the first call. The context of
// the first caller governs the build.
func (l *Shared) Get(ctx context.Context) (*Stored, error) {
	l.once.Do(func() {
		l.st, l.err = l.bench.Store(ctx, l.trained)
		if l.err != nil {
			l.err = fmt.Errorf("storing the network of seed %d: %w", l.bench.Seed, l.err)
		}
	})
	return l.st, l.err
}

// Settings are what the rows of a study depend on beyond their columns:
// the benchmark and whether its networks are trained. Studies record them
// beside their CSV (results.Table.Settings), so a CSV made at one size is
// never resumed at another.
type Settings struct {
	Benchmark Benchmark `json:"benchmark"`
	Trained   bool      `json:"trained"`
}
