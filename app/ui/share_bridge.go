package ui

import (
	"context"

	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/bridge"
)

// connectShare runs after every connection of the bridge supervisor: when the bridge reports
// that it is enrolled with a relay, M-6 goes through it (share.BridgeTransport: the bridge
// holds the enrolment and its keys). A transport already set (tests) is kept. Until then M-6
// answers "no relay connection is configured".
func (a *App) connectShare(ctx context.Context, c *bridge.Client) {
	if a.share.HasTransport() {
		return
	}
	if st, err := c.SyncStatus(ctx); err == nil && st.Enrolled {
		a.share.SetTransport(&share.BridgeTransport{Bridge: c})
	}
}
