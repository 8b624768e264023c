package parallel

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a panic turned into an error: the value the code
// panicked with and the stack of the goroutine that panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v\n%s", e.Value, e.Stack) }

// Safe runs f and returns its error, or a *PanicError if it panicked. A
// goroutine that serves a request runs its work through Safe: a bug then
// fails that request, where a panic outside the request's own goroutine
// would end the process.
func Safe(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}
