package network

import "fmt"

// SpikeArray returns the network's own spikes of every trial as an
// (M, N, L) array indexed [trial, neuron, step], the layout of rasters
// in files (write it with npy.WriteUint8). The trials must have equal
// sizes.
func SpikeArray(states []*State) (shape []int, data []uint8, err error) {
	shape, err = arrayShape(states)
	if err != nil {
		return nil, nil, err
	}
	data = make([]uint8, 0, shape[0]*shape[1]*shape[2])
	for _, st := range states {
		data = append(data, st.Spikes.Dense()...)
	}
	return shape, data, nil
}

// MembraneArray returns the membrane u[j](t) of every trial as an
// (M, N, L) array indexed [trial, neuron, step]; the trials must have
// been recorded (Options.Record) and have equal sizes.
func MembraneArray(states []*State) (shape []int, data []float64, err error) {
	return recorded(states, func(st *State) []float64 { return st.Membrane })
}

// CurrentArray returns the synaptic current I[j](t) of every trial as an
// (M, N, L) array indexed [trial, neuron, step]; the trials must have
// been recorded (Options.Record) and have equal sizes.
func CurrentArray(states []*State) (shape []int, data []float64, err error) {
	return recorded(states, func(st *State) []float64 { return st.Current })
}

// recorded transposes the step-major records field(st) of every trial
// into one (M, N, L) array.
func recorded(states []*State, field func(*State) []float64) ([]int, []float64, error) {
	shape, err := arrayShape(states)
	if err != nil {
		return nil, nil, err
	}
	n, l := shape[1], shape[2]
	data := make([]float64, len(states)*n*l)
	for k, st := range states {
		src := field(st)
		if len(src) != n*l {
			return nil, nil, fmt.Errorf("trial %d was not recorded (Options.Record)", k)
		}
		dst := data[k*n*l : (k+1)*n*l]
		for t := 0; t < l; t++ {
			for j := 0; j < n; j++ {
				dst[j*l+t] = src[t*n+j]
			}
		}
	}
	return shape, data, nil
}

// arrayShape returns (M, N, L) for trials of equal size.
func arrayShape(states []*State) ([]int, error) {
	if len(states) == 0 {
		return []int{0, 0, 0}, nil
	}
	n, l := states[0].N, states[0].L
	for k, st := range states {
		if st.N != n || st.L != l {
			return nil, fmt.Errorf("trial %d has %d neurons × %d steps, trial 0 %d × %d; an array needs equal sizes", k, st.N, st.L, n, l)
		}
	}
	return []int{len(states), n, l}, nil
}
