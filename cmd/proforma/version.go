package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is the release's version, set by the release build
// (-ldflags "-X main.version=v1.2.3"); empty, the module's version from
// the build info is used ("(devel)" for a build of a checkout).
var version string

// versionText is what `proforma version` and `proforma --version` print:
// the version, the commit the binary was built from (with "+modified" if
// the tree had changes) and the Go toolchain.
func versionText() string {
	v, commit, goVersion := version, "unknown", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		if v == "" {
			v = info.Main.Version
		}
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified {
			commit += "+modified"
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return fmt.Sprintf("proforma %s (commit %s, %s)\n", v, commit, goVersion)
}

func printVersion(w io.Writer) error {
	_, err := io.WriteString(w, versionText())
	return err
}
