package main

import "golang.org/x/sys/windows"

// showFatal shows a start-up error in a message box: the app is a GUI program on Windows, with
// no console for its standard error.
func showFatal(text string) {
	t, _ := windows.UTF16PtrFromString(text)
	c, _ := windows.UTF16PtrFromString("MyNumber Shelter")
	windows.MessageBox(0, t, c, windows.MB_OK|windows.MB_ICONERROR|windows.MB_SETFOREGROUND)
}
