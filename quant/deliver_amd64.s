//go:build amd64 && !purego

#include "textflag.h"

// func addPackedAVX512(ring []int32, base int, entries []uint32)
//
// Sixteen entries per block: offsets e>>8 (plus base) and integers
// int8(e), the currents at those offsets gathered, added to and scattered
// back. The offsets of one call are distinct, so no lane overwrites
// another's sum. The last block is masked to the entries left.
TEXT ·addPackedAVX512(SB), NOSPLIT, $0-56
	MOVQ         ring_base+0(FP), DI
	MOVQ         base+24(FP), AX
	MOVQ         entries_base+32(FP), SI
	MOVQ         entries_len+40(FP), CX
	VPBROADCASTD AX, Z10

loop:
	CMPQ        CX, $16
	JLT         tail
	VMOVDQU32   (SI), Z0
	VPSRLD      $8, Z0, Z1       // offsets
	VPADDD      Z10, Z1, Z1      // + base
	VPSLLD      $24, Z0, Z2
	VPSRAD      $24, Z2, Z2      // the int8 integers
	KXNORW      K0, K0, K1
	VPGATHERDD  (DI)(Z1*4), K1, Z3
	VPADDD      Z2, Z3, Z3
	KXNORW      K0, K0, K2
	VPSCATTERDD Z3, K2, (DI)(Z1*4)
	ADDQ        $64, SI
	SUBQ        $16, CX
	JMP         loop

tail:
	TESTQ       CX, CX
	JZ          done
	MOVL        $1, AX
	SHLL        CX, AX
	DECL        AX
	KMOVW       AX, K3
	VMOVDQU32.Z (SI), K3, Z0
	VPSRLD      $8, Z0, Z1
	VPADDD      Z10, Z1, Z1
	VPSLLD      $24, Z0, Z2
	VPSRAD      $24, Z2, Z2
	KMOVW       K3, K1
	VPGATHERDD  (DI)(Z1*4), K1, Z3
	VPADDD      Z2, Z3, Z3
	VPSCATTERDD Z3, K3, (DI)(Z1*4)

done:
	VZEROUPPER
	RET
