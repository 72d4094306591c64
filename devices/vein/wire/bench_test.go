package wire

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkFrameParse parses a stream of typical device frames (prompts,
// verify replies, an info reply), clean and with line noise between them.
// Reports MB/s and frames/s.
func BenchmarkFrameParse(b *testing.B) {
	payloads := []struct {
		cmd Command
		p   []byte
	}{
		{CmdStatus, Status{Prompt: PromptPlaceHand}.Append(nil)},
		{CmdStatus, Status{Prompt: PromptCaptureOK, Quality: 88}.Append(nil)},
		{CmdVerify.Reply(), VerifyReply{Match: true, Score: 912}.Append(nil)},
		{CmdInfo.Reply(), InfoReply{Protocol: 1, Capacity: 100, Model: "VeinSim", Firmware: "1.0", Serial: "SIM0001"}.Append(nil)},
	}
	for _, noisy := range []bool{false, true} {
		name := "clean"
		if noisy {
			name = "noisy"
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var stream []byte
			frames := 0
			for i := 0; len(stream) < 64<<10; i++ {
				if noisy {
					for range rng.IntN(9) {
						stream = append(stream, byte(rng.UintN(256)))
					}
				}
				pl := payloads[i%len(payloads)]
				stream, _ = AppendFrame(stream, Frame{Seq: uint8(i), Cmd: pl.cmd, Payload: pl.p})
				frames++
			}
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			var p Parser
			got := 0
			for b.Loop() {
				for off := 0; off < len(stream); off += 512 {
					p.Feed(stream[off:min(off+512, len(stream))])
					for {
						if _, ok := p.Next(); !ok {
							break
						}
						got++
					}
				}
			}
			if got < frames*b.N*9/10 {
				b.Fatalf("parsed %d frames, want about %d", got, frames*b.N)
			}
			b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
