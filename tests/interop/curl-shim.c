/* LD_PRELOAD shim that lets Debian 12's SyncEvolution 2.0.0 talk HTTP.
 *
 * Its libcurl transport (SyncEvo::CurlTransportAgent) hands C++ lambda
 * objects to curl_easy_setopt() for CURLOPT_WRITEFUNCTION and
 * CURLOPT_READFUNCTION. Through the variadic call libcurl receives no
 * function pointer and the client crashes before its first POST. This
 * shim wraps curl_easy_setopt(): for those two options it installs plain
 * C callbacks that call the agent's own member functions
 * CurlTransportAgent::writeData(void *, size_t) and readData(void *,
 * size_t) on the object the agent passes as CURLOPT_WRITEDATA /
 * CURLOPT_READDATA (its `this`). Every other option goes through
 * unchanged. Used only by the interop tests; built without sanitizers
 * because the client is not instrumented. */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef size_t (*member_fn)(void *self, void *buf, size_t len);
typedef CURLcode (*setopt_fn)(CURL *h, CURLoption opt, ...);

static member_fn member(const char *mangled)
{
	void *p = dlsym(RTLD_DEFAULT, mangled);
	if (p == NULL) {
		fprintf(stderr, "curl-shim: %s not found\n", mangled);
		abort();
	}
	member_fn f;
	*(void **)&f = p;
	return f;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *self)
{
	static member_fn write_data;
	if (write_data == NULL)
		write_data =
			member("_ZN7SyncEvo18CurlTransportAgent9writeDataEPvm");
	return write_data(self, ptr, size * nmemb);
}

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *self)
{
	static member_fn read_data;
	if (read_data == NULL)
		read_data =
			member("_ZN7SyncEvo18CurlTransportAgent8readDataEPvm");
	return read_data(self, ptr, size * nmemb);
}

CURLcode(curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
	static setopt_fn real;
	va_list ap;
	void *arg;

	if (real == NULL) {
		*(void **)&real = dlsym(RTLD_NEXT, "curl_easy_setopt");
		if (real == NULL) {
			fprintf(stderr, "curl-shim: no curl_easy_setopt\n");
			abort();
		}
	}
	/* Every libcurl option argument is one machine word on x86-64 and
	 * aarch64 (long, pointer, curl_off_t). */
	va_start(ap, opt);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (opt == CURLOPT_WRITEFUNCTION)
		return real(h, opt, on_write);
	if (opt == CURLOPT_READFUNCTION)
		return real(h, opt, on_read);
	return real(h, opt, arg);
}
