package prune

import (
	"fmt"
	"strings"
)

// Profile is the budget of a hardware target: the width of its weights
// and the limits of Budget.
type Profile struct {
	Name string `json:"name"`
	// Bits is the width of a weight (0: float64, no quantisation).
	Bits   int    `json:"bits"`
	Budget Budget `json:"budget"`
	// Source says where the limits come from.
	Source string `json:"source"`
}

// Profiles returns the built-in hardware profiles.
//
// loihi2: 8-bit weights, one delay per connection (Lava's DelaySparse and
// DelayDense hold one delay per synapse), delays up to 62 steps (lava-dl
// clips longer ones); no fan-in limit is imposed here.
//
// spinnaker2: the synaptic word of sPyNNaker (the PyNN software of
// SpiNNaker, whose model SpiNNaker 2's software keeps): 16-bit weights
// (SYNAPSE_WEIGHT_BITS 16 in synapse_row.h) and a 4-bit delay field, 16
// delay slots, so delays up to 16 steps without delay-extension cores
// (sPyNNaker issue #359); several synapses may join one pair of neurons
// (multapses), so delays per connection are not limited.
func Profiles() []Profile {
	return []Profile{
		{Name: "loihi2", Bits: 8, Budget: Budget{DelaysPerConnection: 1, MaxDelay: 62},
			Source: "Loihi 2 via Lava: 8-bit weights, one delay per synapse (DelaySparse/DelayDense), delays up to 62 steps (lava-dl)"},
		{Name: "spinnaker2", Bits: 16, Budget: Budget{MaxDelay: 16},
			Source: "sPyNNaker synaptic word: 16-bit weights (synapse_row.h SYNAPSE_WEIGHT_BITS), 4-bit delay = 16 slots without delay extensions (sPyNNaker #359); multapses allowed"},
	}
}

// ProfileByName returns the built-in profile of that name.
func ProfileByName(name string) (Profile, error) {
	var names []string
	for _, p := range Profiles() {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("profile %q is not known; use %s or custom", name, strings.Join(names, ", "))
}
