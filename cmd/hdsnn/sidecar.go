package main

import (
	"fmt"
	"io"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// modelField is a network parameter that a flag sets and that weights'
// sidecars record.
type modelField struct {
	flag string
	get  func(p *network.Params) any
	set  func(dst *network.Params, src network.Params)
}

// modelFields are the parameters that travel with weights files.
func modelFields() []modelField {
	return []modelField{
		{"beta", func(p *network.Params) any { return p.Beta }, func(d *network.Params, s network.Params) { d.Beta = s.Beta }},
		{"theta", func(p *network.Params) any { return p.Theta }, func(d *network.Params, s network.Params) { d.Theta = s.Theta }},
		{"reset", func(p *network.Params) any { return p.Reset }, func(d *network.Params, s network.Params) { d.Reset = s.Reset }},
		{"p-a", func(p *network.Params) any { return p.PA }, func(d *network.Params, s network.Params) { d.PA = s.PA }},
		{"pre", func(p *network.Params) any { return p.Pre }, func(d *network.Params, s network.Params) { d.Pre = s.Pre }},
		{"post", func(p *network.Params) any { return p.Post }, func(d *network.Params, s network.Params) { d.Post = s.Post }},
		{"trigger", func(p *network.Params) any { return p.Trigger }, func(d *network.Params, s network.Params) { d.Trigger = s.Trigger }},
	}
}

// sidecarParams returns the network parameters for the weights of
// --weights, of d delays, read with the sidecar meta (nil: none). A flag
// not given takes the value the sidecar records (β, θ, reset, p_A and the
// trial layout pre, post and trigger); a flag given with another value
// wins, with a note on warn naming both.
func (o *options) sidecarParams(meta *network.Meta, d int, warn io.Writer) network.Params {
	p := o.params(d)
	if meta == nil || meta.Params == nil || meta.Params.D != d {
		return p
	}
	saved := *meta.Params
	for _, f := range modelFields() {
		switch {
		case !o.changed(f.flag):
			f.set(&p, saved)
		case f.get(&p) != f.get(&saved):
			fmt.Fprintf(warn, "note: --%s %v differs from the %v that %s records for these weights; using --%s %v\n",
				f.flag, f.get(&p), f.get(&saved), network.SidecarPath(o.weights), f.flag, f.get(&p))
		}
	}
	return p
}

// recallSet reads the patterns of --patterns-file for the weights w (with
// sidecar meta) and returns them with the network parameters of
// sidecarParams, refusing parameters that do not fit the patterns and
// trials that would not fit in memory.
func (o *options) recallSet(w network.Synapses, meta *network.Meta, warn io.Writer) (*raster.Set, network.Params, error) {
	n, d := w.Size()
	set, err := o.readPatterns(n)
	if err != nil {
		return nil, network.Params{}, err
	}
	p := o.sidecarParams(meta, d, warn)
	if err := p.Validate(set.T); err != nil {
		return nil, network.Params{}, err
	}
	if err := checkTrials(set.M(), set.N, p.Len(set.T), false, "use fewer patterns or lower --pre or --post"); err != nil {
		return nil, network.Params{}, err
	}
	return set, p, nil
}
