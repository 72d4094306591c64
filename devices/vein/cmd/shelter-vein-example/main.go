// Command shelter-vein-example is an example out-of-process vein driver: it speaks the
// protocol of package devices/vein/driver on stdin and stdout, backed by the simulator's
// matching (devices/sim/vein.Driver), so that it proves the boundary a vendor's SDK wrapper
// plugs into. It is for tests and for a clearly labelled demo; it is not a sensor.
//
//	shelter-vein-example -dir DIR [-matching module|host] [-serial S] [-capture-timeout 10s]
//
// The person at the sensor is the file DIR/hand (see simvein.PlaceHand). The driver writes
// its process id to DIR/pid when it starts. -silent answers nothing at all (not even hello),
// to test a bridge's time limits.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein/driver"
)

func main() {
	d := &simvein.Driver{}
	flag.StringVar(&d.Dir, "dir", "", "directory of the hand file and the templates (required)")
	flag.StringVar(&d.Matching, "matching", driver.MatchOnModule, "module or host")
	flag.StringVar(&d.Serial, "serial", "", "serial number to report")
	flag.DurationVar(&d.CaptureTimeout, "capture-timeout", 0, "how long a capture waits for a hand (0: 10s)")
	silent := flag.Bool("silent", false, "answer nothing, not even hello")
	flag.Parse()
	if d.Dir == "" || (d.Matching != driver.MatchOnModule && d.Matching != driver.MatchOnHost) {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.WriteFile(filepath.Join(d.Dir, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "shelter-vein-example:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "shelter-vein-example: started, matching on the", d.Matching)
	if *silent {
		io.Copy(io.Discard, os.Stdin)
		return
	}
	if err := driver.Serve(context.Background(), os.Stdin, os.Stdout, d.Handle); err != nil {
		fmt.Fprintln(os.Stderr, "shelter-vein-example:", err)
		os.Exit(1)
	}
}
