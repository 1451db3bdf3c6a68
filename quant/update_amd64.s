//go:build amd64 && !purego

#include "textflag.h"

// LEAK sets Y5 to the leak of the four int64 membranes in Y0: with
// x = u·β mod 2^64 (the 64-bit product, from 32-bit halves, as AVX2 has
// no 64-bit multiply), Y5 = (x + (x < 0 ? 4095 : 0)) >> 12, an
// arithmetic shift (AVX2 has none for 64 bits: a logical shift filled
// with the sign). Needs Y15 = β, Y14 = 4095, Y13 = 0; uses Y6 and Y9.
#define LEAK \
	VPMULUDQ Y15, Y0, Y5 \
	VPSRLQ   $32, Y0, Y9 \
	VPMULDQ  Y15, Y9, Y9 \
	VPSLLQ   $32, Y9, Y9 \
	VPADDQ   Y9, Y5, Y5 \
	VPCMPGTQ Y5, Y13, Y6 \
	VPAND    Y14, Y6, Y6 \
	VPADDQ   Y6, Y5, Y5 \
	VPCMPGTQ Y5, Y13, Y6 \
	VPSRLQ   $12, Y5, Y5 \
	VPSLLQ   $52, Y6, Y6 \
	VPOR     Y6, Y5, Y5

// CHARGE adds cur<<6 to Y5 (the int32 currents at byte offset R15) and
// subtracts Y4, stores the membranes at byte offset BX, clears the
// currents, and puts the spike bits (Y5 > θ, θ in Y1) in AX.
#define CHARGE \
	VPMOVSXDQ (DI)(R15*1), Y7 \
	VPSLLQ    $6, Y7, Y7 \
	VPADDQ    Y7, Y5, Y5 \
	VPSUBQ    Y4, Y5, Y5 \
	VMOVDQU   Y5, (SI)(BX*1) \
	VMOVDQU   X13, (DI)(R15*1) \
	VPCMPGTQ  Y1, Y5, Y8 \
	VMOVMSKPD Y8, AX

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

// func updateAVX2(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32, from int) (spikes int)
//
// Per block of four neurons:
//
//	fired = u > θ
//	u     = fired ? 0 : u          (zero reset)
//	r     = fired ? θ : 0          (subtract reset)
//	u     = leak(u) + cur<<6 − r;  cur = 0
//	spike = u > θ
TEXT ·updateAVX2(SB), NOSPLIT, $0-128
	MOVQ    u_base+0(FP), SI
	MOVQ    u_len+8(FP), CX
	SHLQ    $3, CX               // bytes; len(u) is a multiple of 4
	MOVQ    cur_base+24(FP), DI
	MOVQ    th_base+48(FP), R8
	MOVBLZX zero+80(FP), DX
	MOVQ    spk_base+88(FP), R9
	MOVQ    from+112(FP), R13
	XORQ    BX, BX               // byte offset of the block in u and θ
	XORQ    R15, R15             // and in cur
	XORQ    R10, R10             // spikes written

	VPBROADCASTQ beta+72(FP), Y15
	MOVQ         $4095, AX
	MOVQ         AX, X14
	VPBROADCASTQ X14, Y14
	VPXOR        Y13, Y13, Y13

	TESTQ DX, DX
	JNZ   zeroLoop

subtractLoop:
	CMPQ     BX, CX
	JGE      done
	VMOVDQU  (SI)(BX*1), Y0      // u
	VMOVDQU  (R8)(BX*1), Y1      // θ
	VPCMPGTQ Y1, Y0, Y3          // fired
	VPAND    Y1, Y3, Y4          // r = fired & θ
	LEAK
	CHARGE
	TESTL    AX, AX
	JZ       subtractNext
	SPIKES(subtractSpike)

subtractNext:
	ADDQ $32, BX
	ADDQ $16, R15
	JMP  subtractLoop

zeroLoop:
	CMPQ     BX, CX
	JGE      done
	VMOVDQU  (SI)(BX*1), Y0
	VMOVDQU  (R8)(BX*1), Y1
	VPCMPGTQ Y1, Y0, Y3
	VPANDN   Y0, Y3, Y0          // u = ^fired & u
	VPXOR    Y4, Y4, Y4          // r = 0
	LEAK
	CHARGE
	TESTL    AX, AX
	JZ       zeroNext
	SPIKES(zeroSpike)

zeroNext:
	ADDQ $32, BX
	ADDQ $16, R15
	JMP  zeroLoop

done:
	VZEROUPPER
	MOVQ R10, spikes+120(FP)
	RET
