package initw

import "github.com/hdsnn/hdsnn/internal/enum"

// Method is how initial weights are computed.
type Method int

const (
	// Hebbian cross-correlates contexts with targets (SPEC §3).
	Hebbian Method = iota
	// PseudoInverse solves the least-squares regression from contexts to
	// targets.
	PseudoInverse
)

var methodNames = []string{"hebbian", "pinv"}

// String returns "hebbian" or "pinv".
func (m Method) String() string { return enum.String("Method", methodNames, m) }

// ParseMethod parses "hebbian" or "pinv".
func ParseMethod(s string) (Method, error) { return enum.Parse[Method]("init method", methodNames, s) }

// MarshalText implements encoding.TextMarshaler.
func (m Method) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Method) UnmarshalText(b []byte) (err error) { *m, err = ParseMethod(string(b)); return err }

// Target is what each stored context should produce: the input current
// the next step of the pattern needs.
type Target int

const (
	// Matched targets are deconvolved with the network's own reset as
	// well as its leak: the current that puts the membrane exactly at 1
	// at target steps and at 0 elsewhere. Under subtract reset that is
	// y = S[t] + (θ − β)·S[t−1] (the reset already removes θ the step after
	// a spike); under zero reset it is y = S[t]. Plain deconvolution leaves
	// the membrane at −θ after every spike, so a neuron that must fire
	// again within a few steps misses; matched targets do not.
	Matched Target = iota
	// Deconvolved targets y = S[t] − β·S[t−1]: the input current that
	// makes the leaky membrane cross threshold at the target step and
	// cancels its leftover charge the step after.
	Deconvolved
	// Raw targets y = S[t].
	Raw
)

var targetNames = []string{"matched", "deconvolved", "raw"}

// String returns "matched", "deconvolved" or "raw".
func (t Target) String() string { return enum.String("Target", targetNames, t) }

// ParseTarget parses "matched", "deconvolved" or "raw".
func ParseTarget(s string) (Target, error) { return enum.Parse[Target]("target", targetNames, s) }

// MarshalText implements encoding.TextMarshaler.
func (t Target) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Target) UnmarshalText(b []byte) (err error) { *t, err = ParseTarget(string(b)); return err }

// Norm is the normalisation of Hebbian weights.
type Norm int

const (
	// Row weights each context by 1 / its own number of active entries.
	Row Norm = iota
	// Context divides by the mean number of active entries per context,
	// so a stored context drives its targets with current ≈ 1.
	Context
	// Column divides by the mean, over all (pre, delay) entries, of the
	// number of contexts with that entry on (the original work's choice).
	Column
)

var normNames = []string{"row", "context", "column"}

// String returns "row", "context" or "column".
func (n Norm) String() string { return enum.String("Norm", normNames, n) }

// ParseNorm parses "row", "context" or "column".
func ParseNorm(s string) (Norm, error) { return enum.Parse[Norm]("normalisation", normNames, s) }

// MarshalText implements encoding.TextMarshaler.
func (n Norm) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (n *Norm) UnmarshalText(b []byte) (err error) { *n, err = ParseNorm(string(b)); return err }
