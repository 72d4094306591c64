package bridge

import "net/http"

// syncRoutes registers the cloud relay sync routes (to be built).
func (s *Server) syncRoutes(mux *http.ServeMux) {}
