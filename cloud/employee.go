package cloud

import "net/http"

// employeeRoutes registers the employee web page and its API (to be built).
func (h *handler) employeeRoutes(mux *http.ServeMux) {}
