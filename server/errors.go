package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// apiError is an error the server raises itself with a status and a code.
type apiError struct {
	status int
	code   string
}

func (e *apiError) Error() string { return e.code }

// errf builds an apiError.
func errf(status int, code string) error { return &apiError{status: status, code: code} }

// Errors the handlers raise directly.
var (
	errBadRequest           = errf(fiber.StatusBadRequest, "bad_request")
	errUnsupportedMediaType = errf(fiber.StatusUnsupportedMediaType, "unsupported_media_type")
	errUnauthenticated      = errf(fiber.StatusUnauthorized, "unauthenticated")
	errRoleTooLow           = errf(fiber.StatusForbidden, "forbidden")
	errNotFound             = errf(fiber.StatusNotFound, "not_found")
	errBadSetupToken        = errf(fiber.StatusForbidden, "invalid_setup_token")
	// errSecondFactorRequired: the instance requires a second factor of this
	// account, which has not enrolled one yet.
	errSecondFactorRequired = errf(fiber.StatusForbidden, "second_factor_required")
)

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code          string            `json:"code"`
	Message       string            `json:"message"`
	Fields        map[string]string `json:"fields,omitempty"`
	CorrelationID string            `json:"correlation_id,omitempty"`
}

// classify maps any error to its status and code. Store sentinels each imply
// one status; anything unknown is a 500 whose details stay in the log.
func classify(err error) (int, string, map[string]string) {
	var ae *apiError
	var ve *store.ValidationError
	var fe *fiber.Error
	var tl *store.TooLargeError
	code := ""
	var ce *store.CodedError
	if errors.As(err, &ce) {
		code = ce.Code
	}
	pick := func(def string) string {
		if code != "" {
			return code
		}
		return def
	}
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.code, nil
	case errors.As(err, &ve):
		return fiber.StatusUnprocessableEntity, "validation_failed", ve.Fields
	case errors.As(err, &tl):
		return fiber.StatusRequestEntityTooLarge, "payload_too_large", map[string]string{tl.Field: fmt.Sprintf("max_size=%d", tl.Max)}
	case errors.Is(err, store.ErrNotFound):
		return fiber.StatusNotFound, "not_found", nil
	case errors.Is(err, store.ErrForbidden):
		return fiber.StatusForbidden, pick("forbidden"), nil
	case errors.Is(err, store.ErrConflict):
		return fiber.StatusConflict, pick("conflict"), nil
	case errors.Is(err, store.ErrStale):
		return fiber.StatusPreconditionFailed, "version_mismatch", nil
	case errors.Is(err, store.ErrVersionRequired):
		return fiber.StatusPreconditionRequired, "version_required", nil
	case errors.Is(err, store.ErrInvalidCredentials):
		return fiber.StatusUnauthorized, "invalid_credentials", nil
	case errors.Is(err, store.ErrUnauthenticated):
		return fiber.StatusUnauthorized, "unauthenticated", nil
	case errors.Is(err, store.ErrThrottled):
		return fiber.StatusTooManyRequests, "too_many_requests", nil
	case errors.As(err, &fe):
		return fe.Code, fiberCode(fe.Code), nil
	}
	return fiber.StatusInternalServerError, "internal", nil
}

func fiberCode(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case fiber.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case fiber.StatusRequestTimeout:
		return "timeout"
	case fiber.StatusTooManyRequests:
		return "too_many_requests"
	}
	if status >= 500 {
		return "internal"
	}
	return "bad_request"
}

// errorHandler is Fiber's error handler. Errors from the routes are rendered
// by logRequests; what reaches this handler without a request id was raised
// before any middleware ran (a body over the limit, headers too large, a
// request that cannot be read): it is stamped with the headers every answer
// carries, rendered and logged here.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	if requestID(c) != "" {
		return s.renderError(c, err)
	}
	start := time.Now()
	s.stamp(c)
	// The path may not even have been read: no error is worth caching.
	c.Set(fiber.HeaderCacheControl, "no-store")
	if herr := s.renderError(c, err); herr != nil {
		return herr
	}
	s.logRequest(c, start)
	return nil
}

// renderError renders every error in the API's shape, in the caller's
// language. Internal errors are logged with the correlation id that the
// client also gets, and their text never leaves the server.
func (s *Server) renderError(c *fiber.Ctx, err error) error {
	status, code, fields := classify(err)
	body := errorBody{Error: errorDetail{Code: code, Message: message(code, requestLocale(c, s.cfg.Instance.DefaultLocale)), Fields: fields}}
	if status >= 500 {
		body.Error.CorrelationID = requestID(c)
		s.log.Error("request failed", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "err", err)
	} else if status == fiber.StatusNotFound {
		// Every 404 is the same bytes, whatever was or was not found behind it.
		body.Error.Message = message("not_found", requestLocale(c, s.cfg.Instance.DefaultLocale))
	}
	return c.Status(status).JSON(body)
}

// logPanic is the recover middleware's hook: the stack goes to the log only.
func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "panic", e)
}
