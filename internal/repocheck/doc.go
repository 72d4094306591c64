// Package repocheck holds tests about the repository itself (file names every OS can check
// out); it has no code.
package repocheck
