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

// LEAK512 is LEAK on the eight membranes in Z0, into Z5, with AVX-512's
// 64-bit multiply and arithmetic shift. Needs Z15 = β; uses Z6.
#define LEAK512 \
	VPMULLQ Z15, Z0, Z5 \
	VPSRAQ  $63, Z5, Z6 \
	VPSRLQ  $52, Z6, Z6 \
	VPADDQ  Z6, Z5, Z5 \
	VPSRAQ  $12, Z5, Z5

// CHARGE512 is CHARGE on eight neurons: it adds cur<<6 (the int32
// currents at byte offset R15) to Z5 and subtracts Z4, stores the
// membranes at byte offset BX, clears the currents (Y13 = 0), and puts
// the spike bits (Z5 > θ, θ in Z1) in AX.
#define CHARGE512 \
	VPMOVSXDQ (DI)(R15*1), Z7 \
	VPSLLQ    $6, Z7, Z7 \
	VPADDQ    Z7, Z5, Z5 \
	VPSUBQ    Z4, Z5, Z5 \
	VMOVDQU64 Z5, (SI)(BX*1) \
	VMOVDQU   Y13, (DI)(R15*1) \
	VPCMPGTQ  Z1, Z5, K2 \
	KMOVB     K2, AX

// func updateAVX512(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32, from int) (spikes int)
//
// updateAVX2's steps on blocks of eight neurons.
TEXT ·updateAVX512(SB), NOSPLIT, $0-128
	MOVQ    u_base+0(FP), SI
	MOVQ    u_len+8(FP), CX
	SHLQ    $3, CX               // bytes; len(u) is a multiple of 8
	MOVQ    cur_base+24(FP), DI
	MOVQ    th_base+48(FP), R8
	MOVBLZX zero+80(FP), DX
	MOVQ    spk_base+88(FP), R9
	MOVQ    from+112(FP), R13
	XORQ    BX, BX               // byte offset of the block in u and θ
	XORQ    R15, R15             // and in cur
	XORQ    R10, R10             // spikes written

	VPBROADCASTQ beta+72(FP), Z15
	VPXOR        Y13, Y13, Y13
	VPXORQ       Z4, Z4, Z4      // r = 0 (zero reset)

	TESTQ DX, DX
	JNZ   zero512Loop

subtract512Loop:
	CMPQ        BX, CX
	JGE         done512
	VMOVDQU64   (SI)(BX*1), Z0   // u
	VMOVDQU64   (R8)(BX*1), Z1   // θ
	VPCMPGTQ    Z1, Z0, K1       // fired
	VMOVDQA64.Z Z1, K1, Z4       // r = fired ? θ : 0
	LEAK512
	CHARGE512
	TESTL       AX, AX
	JZ          subtract512Next
	SPIKES(subtract512Spike)

subtract512Next:
	ADDQ $64, BX
	ADDQ $32, R15
	JMP  subtract512Loop

zero512Loop:
	CMPQ      BX, CX
	JGE       done512
	VMOVDQU64 (SI)(BX*1), Z0
	VMOVDQU64 (R8)(BX*1), Z1
	VPCMPGTQ  Z1, Z0, K1
	VPXORQ    Z0, Z0, K1, Z0     // u = fired ? 0 : u
	LEAK512
	CHARGE512
	TESTL     AX, AX
	JZ        zero512Next
	SPIKES(zero512Spike)

zero512Next:
	ADDQ $64, BX
	ADDQ $32, R15
	JMP  zero512Loop

done512:
	VZEROUPPER
	MOVQ R10, spikes+120(FP)
	RET
