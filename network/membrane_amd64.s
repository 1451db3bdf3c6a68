//go:build amd64 && !purego

#include "textflag.h"

// SPIKES appends the neurons of the bits in AX (block at byte offset BX,
// neuron from + BX/8 + bit) to spk at R9, counting in R10.
#define SPIKES(again) \
	MOVQ BX, R12 \
	SHRQ $3, R12 \
	ADDQ R13, R12 \
again: \
	BSFL AX, R11 \
	LEAQ (R12)(R11*1), R14 \
	MOVL R14, (R9)(R10*4) \
	INCQ R10 \
	LEAL -1(AX), R11 \
	ANDL R11, AX \
	JNZ  again

// func membraneAVX2(u, cur []float64, beta, theta float64, zero bool, spk []int32, from int) (spikes int)
//
// Per block of four neurons, in membraneGo's order:
//
//	fired = u > θ                               (ordered: false for NaN)
//	u     = β·u + I − (fired ? θ : +0)          (subtract reset)
//	u     = β·(fired ? +0 : u) + I              (zero reset)
//	spike = u > θ
TEXT ·membraneAVX2(SB), NOSPLIT, $0-112
	MOVQ    u_base+0(FP), SI
	MOVQ    u_len+8(FP), CX
	SHLQ    $3, CX               // bytes; len(u) is a multiple of 4
	MOVQ    cur_base+24(FP), DI
	MOVBLZX zero+64(FP), DX
	MOVQ    spk_base+72(FP), R9
	MOVQ    from+96(FP), R13
	XORQ    BX, BX               // byte offset of the block
	XORQ    R10, R10             // spikes written

	VBROADCASTSD beta+48(FP), Y15
	VBROADCASTSD theta+56(FP), Y1

	TESTQ DX, DX
	JNZ   zeroLoop

subtractLoop:
	CMPQ      BX, CX
	JGE       done
	VMOVUPD   (SI)(BX*1), Y0
	VCMPPD    $0x1e, Y1, Y0, Y3  // fired = u > θ (GT_OQ)
	VANDPD    Y1, Y3, Y4         // θ·r
	VMULPD    Y0, Y15, Y5        // β·u
	VADDPD    (DI)(BX*1), Y5, Y5 // + I
	VSUBPD    Y4, Y5, Y5         // − θ·r
	VMOVUPD   Y5, (SI)(BX*1)
	VCMPPD    $0x1e, Y1, Y5, Y8
	VMOVMSKPD Y8, AX
	TESTL     AX, AX
	JZ        subtractNext
	SPIKES(subtractSpike)

subtractNext:
	ADDQ $32, BX
	JMP  subtractLoop

zeroLoop:
	CMPQ      BX, CX
	JGE       done
	VMOVUPD   (SI)(BX*1), Y0
	VCMPPD    $0x1e, Y1, Y0, Y3
	VANDNPD   Y0, Y3, Y0         // u = fired ? +0 : u
	VMULPD    Y0, Y15, Y5
	VADDPD    (DI)(BX*1), Y5, Y5
	VMOVUPD   Y5, (SI)(BX*1)
	VCMPPD    $0x1e, Y1, Y5, Y8
	VMOVMSKPD Y8, AX
	TESTL     AX, AX
	JZ        zeroNext
	SPIKES(zeroSpike)

zeroNext:
	ADDQ $32, BX
	JMP  zeroLoop

done:
	VZEROUPPER
	MOVQ R10, spikes+104(FP)
	RET

// func membraneAVX512(u, cur []float64, beta, theta float64, zero bool, spk []int32, from int) (spikes int)
//
// membraneAVX2's steps on blocks of eight neurons.
TEXT ·membraneAVX512(SB), NOSPLIT, $0-112
	MOVQ    u_base+0(FP), SI
	MOVQ    u_len+8(FP), CX
	SHLQ    $3, CX               // bytes; len(u) is a multiple of 8
	MOVQ    cur_base+24(FP), DI
	MOVBLZX zero+64(FP), DX
	MOVQ    spk_base+72(FP), R9
	MOVQ    from+96(FP), R13
	XORQ    BX, BX               // byte offset of the block
	XORQ    R10, R10             // spikes written

	VBROADCASTSD beta+48(FP), Z15
	VBROADCASTSD theta+56(FP), Z1

	TESTQ DX, DX
	JNZ   zero512Loop

subtract512Loop:
	CMPQ      BX, CX
	JGE       done512
	VMOVUPD   (SI)(BX*1), Z0
	VCMPPD    $0x1e, Z1, Z0, K1  // fired = u > θ (GT_OQ)
	VMOVAPD.Z Z1, K1, Z4         // θ·r: θ where fired, +0 elsewhere
	VMULPD    Z0, Z15, Z5        // β·u
	VADDPD    (DI)(BX*1), Z5, Z5 // + I
	VSUBPD    Z4, Z5, Z5         // − θ·r
	VMOVUPD   Z5, (SI)(BX*1)
	VCMPPD    $0x1e, Z1, Z5, K2
	KMOVB     K2, AX
	TESTL     AX, AX
	JZ        subtract512Next
	SPIKES(subtract512Spike)

subtract512Next:
	ADDQ $64, BX
	JMP  subtract512Loop

zero512Loop:
	CMPQ    BX, CX
	JGE     done512
	VMOVUPD (SI)(BX*1), Z0
	VCMPPD  $0x1e, Z1, Z0, K1
	VPXORQ  Z0, Z0, K1, Z0       // u = fired ? +0 : u
	VMULPD  Z0, Z15, Z5
	VADDPD  (DI)(BX*1), Z5, Z5
	VMOVUPD Z5, (SI)(BX*1)
	VCMPPD  $0x1e, Z1, Z5, K2
	KMOVB   K2, AX
	TESTL   AX, AX
	JZ      zero512Next
	SPIKES(zero512Spike)

zero512Next:
	ADDQ $64, BX
	JMP  zero512Loop

done512:
	VZEROUPPER
	MOVQ R10, spikes+104(FP)
	RET
