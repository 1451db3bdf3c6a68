package prune

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
)

// syn is one synapse of a test tensor.
type syn struct {
	post, pre, delay int
	w                float64
}

// build returns the sparse tensor of N = 3 neurons and D = 4 delays
// holding the synapses ss.
func build(ss []syn) *network.Sparse {
	w := network.NewWeights(3, 4)
	for _, s := range ss {
		w.Row(s.pre, s.delay)[s.post] = s.w
	}
	return w.Sparse()
}

// list returns the synapses of s in (post, pre, delay) order.
func list(s *network.Sparse) []syn {
	var out []syn
	for _, e := range Connections(s) {
		out = append(out, syn{e.Post, e.Pre, e.Delay, s.W[e.K]})
	}
	return out
}

// base has connection (0 ← 1) at delays 1, 2, 4 with a tie at |w| = 0.5,
// connection (0 ← 2) at delay 3, (1 ← 0) at delays 1, 2 and (2 ← 2) at
// delay 4.
var base = []syn{
	{0, 1, 1, 0.5}, {0, 1, 2, -0.5}, {0, 1, 4, 0.9},
	{0, 2, 3, 0.2},
	{1, 0, 1, -0.3}, {1, 0, 2, 0.1},
	{2, 2, 4, 0.05},
}

func TestApply(t *testing.T) {
	tests := []struct {
		name string
		b    Budget
		want []syn
	}{
		{"no limit", Budget{}, base},
		{"max delay 3", Budget{MaxDelay: 3}, []syn{
			{0, 1, 1, 0.5}, {0, 1, 2, -0.5}, {0, 2, 3, 0.2}, {1, 0, 1, -0.3}, {1, 0, 2, 0.1}}},
		{"max delay 1", Budget{MaxDelay: 1}, []syn{{0, 1, 1, 0.5}, {1, 0, 1, -0.3}}},
		{"one delay per connection", Budget{DelaysPerConnection: 1}, []syn{
			{0, 1, 4, 0.9}, {0, 2, 3, 0.2}, {1, 0, 1, -0.3}, {2, 2, 4, 0.05}}},
		// The tie |0.5| = |−0.5| goes to the smaller delay.
		{"two delays: tie to the smaller delay", Budget{DelaysPerConnection: 2}, []syn{
			{0, 1, 1, 0.5}, {0, 1, 4, 0.9}, {0, 2, 3, 0.2}, {1, 0, 1, -0.3}, {1, 0, 2, 0.1}, {2, 2, 4, 0.05}}},
		// Max delay first, then one delay: the tie at delays 1 and 2.
		{"max delay 2 then one delay", Budget{MaxDelay: 2, DelaysPerConnection: 1}, []syn{
			{0, 1, 1, 0.5}, {1, 0, 1, -0.3}}},
		{"fan-in 1", Budget{FanIn: 1}, []syn{
			{0, 1, 1, 0.5}, {0, 1, 2, -0.5}, {0, 1, 4, 0.9}, {1, 0, 1, -0.3}, {1, 0, 2, 0.1}, {2, 2, 4, 0.05}}},
		// After one delay: (0 ← 1) 0.9 beats (0 ← 2) 0.2.
		{"one delay, fan-in 1", Budget{DelaysPerConnection: 1, FanIn: 1}, []syn{
			{0, 1, 4, 0.9}, {1, 0, 1, -0.3}, {2, 2, 4, 0.05}}},
		// 3 of 7 (3/7 rounds to 3): 0.9 and the tied 0.5, −0.5.
		{"keep 3/7", Budget{Keep: 3.0 / 7}, []syn{{0, 1, 1, 0.5}, {0, 1, 2, -0.5}, {0, 1, 4, 0.9}}},
		// 2 of 7: the tie between 0.5 (pre 1, delay 1) and −0.5 (delay 2)
		// goes to the earlier entry in (pre, delay, post) order.
		{"keep 2/7: tie by index", Budget{Keep: 2.0 / 7}, []syn{{0, 1, 1, 0.5}, {0, 1, 4, 0.9}}},
		{"keep all", Budget{Keep: 1}, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(base)
			before := s.Clone()
			got, err := Apply(s, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if err := got.Validate(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(list(got), tt.want) {
				t.Errorf("got %v\nwant %v", list(got), tt.want)
			}
			if !slices.Equal(s.W, before.W) || !slices.Equal(s.Post, before.Post) {
				t.Error("Apply changed its argument")
			}
			if msgs := Measure(got).Meets(tt.b, s.Entries()); len(msgs) > 0 {
				t.Errorf("result exceeds its budget: %v", msgs)
			}
		})
	}
}

func TestApplyRefusesBadBudgets(t *testing.T) {
	tests := []struct {
		b    Budget
		want string
	}{
		{Budget{MaxDelay: -1}, "maximum delay"},
		{Budget{DelaysPerConnection: -2}, "delays per connection"},
		{Budget{FanIn: -1}, "fan-in"},
		{Budget{Keep: 1.5}, "keep fraction"},
		{Budget{Keep: -0.1}, "keep fraction"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.b), func(t *testing.T) {
			_, err := Apply(build(base), tt.b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name string
		ss   []syn
		want Usage
	}{
		{"empty", nil, Usage{}},
		{"base", base, Usage{Synapses: 7, Connections: 4, MaxDelay: 4, DelaysPerConnection: 3, MeanDelays: 7.0 / 4, FanIn: 2}},
		{"one synapse", []syn{{2, 0, 2, 1}}, Usage{Synapses: 1, Connections: 1, MaxDelay: 2, DelaysPerConnection: 1, MeanDelays: 1, FanIn: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Measure(build(tt.ss)); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMeets(t *testing.T) {
	u := Measure(build(base))
	tests := []struct {
		b    Budget
		want int
	}{
		{Budget{}, 0},
		{Budget{MaxDelay: 4, DelaysPerConnection: 3, FanIn: 2, Keep: 1}, 0},
		{Budget{MaxDelay: 3}, 1},
		{Budget{MaxDelay: 3, DelaysPerConnection: 1, FanIn: 1, Keep: 0.5}, 4},
	}
	for _, tt := range tests {
		if got := u.Meets(tt.b, 7); len(got) != tt.want {
			t.Errorf("%+v: %d violations %v, want %d", tt.b, len(got), got, tt.want)
		}
	}
}
