// Package hdsnn is working memory in recurrent spiking neural networks with
// heterogeneous synaptic delays: a network of N leaky integrate-and-fire
// neurons whose synapses each have D delays stores M spike patterns and
// replays any of them from a short cue.
//
// The library is split by data flow: raster (patterns) → network (weights
// and the event-driven trial) → initw (analytical initialisation) → learn
// (surrogate-gradient training) → score (precision, recall, F1) → figure
// (plots). The command cmd/hdsnn is a thin layer over them.
package hdsnn

// Version is the version of the library and command, written into the
// provenance of every file they make.
const Version = "0.1.0"
