//go:build !linux

package simcard

import "net"

// quickAck is Linux-only (TCP_QUICKACK); elsewhere vpcd round trips keep the delayed-ACK wait.
func quickAck(net.Conn) {}
