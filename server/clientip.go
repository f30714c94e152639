package server

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// trustedProxies are the reverse proxies whose X-Forwarded-For is believed.
type trustedProxies []netip.Prefix

func (t trustedProxies) trust(a netip.Addr) bool {
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

const localsClientIP = "client_ip"

// clientIP is the address the request comes from, as throttling and the
// audit log record it. It is the socket's address unless that is a trusted
// proxy; then it is the right-most address of X-Forwarded-For that is not a
// trusted proxy itself: each proxy appends the address it received the
// request from, so everything left of it was written by the client and may
// be anything. An entry that is not an IP address, or a header with nothing
// but trusted proxies in it, leaves the socket's address.
//
// Fiber's own c.IP() with a proxy header returns the header as written, or
// its left-most address: a client behind the proxy would choose its own, and
// with it a fresh throttling budget for every request.
func (s *Server) clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localsClientIP).(string); ok {
		return ip
	}
	ip := s.resolveClientIP(c).String()
	c.Locals(localsClientIP, ip)
	return ip
}

func (s *Server) resolveClientIP(c *fiber.Ctx) netip.Addr {
	socket, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	socket = socket.Unmap()
	if !s.proxies.trust(socket) {
		return socket
	}
	// Every X-Forwarded-For header, in order, as one list.
	var hops []string
	for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(h), ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil || a.Zone() != "" {
			return socket
		}
		if a = a.Unmap(); !s.proxies.trust(a) {
			return a
		}
	}
	return socket
}
