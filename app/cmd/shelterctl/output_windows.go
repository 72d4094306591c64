package main

import (
	"io"
	"os"

	"golang.org/x/sys/windows"
)

// textOutput is what shelterctl writes its text to f through: f itself when f is a console
// (Go writes UTF-16 there with WriteConsoleW, so every character shows), else a writer in the
// code page [outputCodePage] chooses. A wrong SHELTER_OUTPUT_ENCODING is an error either way.
func textOutput(f *os.File) (io.Writer, error) {
	consoleCP, _ := windows.GetConsoleOutputCP() // 0 without a console
	cp, err := outputCodePage(os.Getenv(outputEnv), consoleCP, windows.GetACP())
	if err != nil {
		return f, err
	}
	var mode uint32
	if windows.GetConsoleMode(windows.Handle(f.Fd()), &mode) == nil {
		return f, nil
	}
	if cp == cpCP932 {
		return newCP932Writer(f), nil
	}
	return f, nil
}
