package bridge

import "net/http"

// scanRoutes registers the scanner and inbox routes (to be built).
func (s *Server) scanRoutes(mux *http.ServeMux) {}

// applyScanConfig starts, changes or stops the scanners and the hot folder for c (to be built).
func (s *Server) applyScanConfig(c Config) {}
