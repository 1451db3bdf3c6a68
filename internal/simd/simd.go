// Package simd says which vector instructions the assembly kernels of
// packages network and quant may use on this processor, so that both
// choose their kernels by one rule.
package simd

import "golang.org/x/sys/cpu"

// AVX512 reports whether the processor, and the operating system, run
// the AVX-512 instructions the kernels use: Foundation (gathers, scatters,
// masks) and DQ (64-bit multiply, byte masks). False on other
// architectures.
func AVX512() bool { return cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ }

// AVX2 reports whether the processor, and the operating system, run AVX2.
// False on other architectures.
func AVX2() bool { return cpu.X86.HasAVX2 }
