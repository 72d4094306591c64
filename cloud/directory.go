package cloud

import "net/http"

// directoryRoutes registers the offices' public-key directory used for sharing (to be built).
func (h *handler) directoryRoutes(mux *http.ServeMux) {}
