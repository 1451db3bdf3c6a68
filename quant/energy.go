package quant

import "github.com/hdsnn/hdsnn/network"

// Platform is a neuromorphic platform with a published energy per
// synaptic operation.
type Platform struct {
	// Name is a short name: "loihi", "truenorth" or "spinnaker1".
	Name string `json:"platform"`
	// JoulesPerSynOp is the published energy of one synaptic operation.
	JoulesPerSynOp float64 `json:"joules_per_synop"`
	// Source names the publication and what the figure measures.
	Source string `json:"source"`
}

// Platforms returns the platforms energy is estimated for (README
// "Deployment" gives the sources): Loihi's 23.6 pJ per synaptic spike
// operation (Davies et al. 2018), TrueNorth's 26 pJ per synaptic event
// (Merolla et al. 2014) and SpiNNaker 1's 5.9 µJ per synaptic event for a
// whole system (van Albada et al. 2018). The figures differ in what they
// include; an estimate is SynOps times the figure, nothing more.
func Platforms() []Platform {
	return []Platform{
		{Name: "loihi", JoulesPerSynOp: 23.6e-12, Source: "Davies et al. 2018, IEEE Micro 38(1): 23.6 pJ per synaptic spike operation (Loihi, 14 nm, core energy only)"},
		{Name: "truenorth", JoulesPerSynOp: 26e-12, Source: "Merolla et al. 2014, Science 345: 26 pJ per synaptic event (TrueNorth, 28 nm, total chip power at its 20 Hz operating point)"},
		{Name: "spinnaker1", JoulesPerSynOp: 5.9e-6, Source: "van Albada et al. 2018, Front. Neurosci. 12:291: 5.9 µJ per synaptic event (SpiNNaker 1, whole system, cortical microcircuit)"},
	}
}

// Estimate is the energy of some synaptic operations on one platform.
type Estimate struct {
	Platform string  `json:"platform"`
	Joules   float64 `json:"joules"`
}

// Energy returns the energy of synops synaptic operations on every
// platform of Platforms, in its order.
func Energy(synops int64) []Estimate {
	var out []Estimate
	for _, p := range Platforms() {
		out = append(out, Estimate{Platform: p.Name, Joules: float64(synops) * p.JoulesPerSynOp})
	}
	return out
}

// FloatBits returns the memory of float64 weights in bits: 64 per
// synapse that exists (stored entries of Sparse weights, non-zero entries
// of dense Weights), the structure not counted (see Weights.MemoryBits).
func FloatBits(w network.Synapses) int64 {
	switch w := w.(type) {
	case *network.Sparse:
		return 64 * w.Entries()
	case *network.Weights:
		var n int64
		for _, v := range w.W {
			if v != 0 {
				n++
			}
		}
		return 64 * n
	}
	return 0
}

// Cost is what the recall of a set of patterns costs and would cost on
// neuromorphic hardware: written to scores.json and report.json.
type Cost struct {
	// SynOps counts the synaptic operations of all trials, and
	// SynOpsPerPattern their mean per cued pattern.
	SynOps           int64   `json:"synops"`
	SynOpsPerPattern float64 `json:"synops_per_pattern"`
	// WeightBits is the memory of the weights (Weights.MemoryBits or
	// FloatBits).
	WeightBits int64 `json:"weight_bits"`
	// Energy estimates SynOps on every platform of Platforms.
	Energy []Estimate `json:"energy"`
}

// NewCost returns the cost of synops operations over m patterns with
// weights of the given memory.
func NewCost(synops int64, m int, weightBits int64) Cost {
	c := Cost{SynOps: synops, WeightBits: weightBits, Energy: Energy(synops)}
	if m > 0 {
		c.SynOpsPerPattern = float64(synops) / float64(m)
	}
	return c
}
