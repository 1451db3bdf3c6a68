package main

import "testing"

// TestJoules checks the SI prefixes of the energy that recall prints.
func TestJoules(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{31.8, "31.8 J"},
		{0.000127, "127 µJ"},
		{7.9e-6, "7.9 µJ"},
		{2.5e-3, "2.5 mJ"},
		{4e-10, "400 pJ"},
		{0, "0 J"},
	}
	for _, tt := range tests {
		if got := joules(tt.in); got != tt.want {
			t.Errorf("joules(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
