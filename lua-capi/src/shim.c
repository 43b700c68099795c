/*
 * The C half of the C API: only what stable Rust cannot write.
 *
 * 1. Error unwinding. capi_run calls a C function under a jmp_buf that it publishes in
 *    *slot (the universe's innermost catcher, restored on the way out); capi_throw jumps
 *    to it. Only C frames and Rust frames that own nothing lie between the two (see
 *    state.rs, `api`), so the jump skips nothing that needs dropping.
 * 2. Variadic functions: lua_pushfstring/lua_pushvfstring (pieces pushed and concatenated
 *    with lua_concat, so numbers get Lua's formats), luaL_error, lua_gc.
 *
 * Everything else is Rust (lua-capi/src).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct lua_State lua_State;
typedef int (*lua_CFunction)(lua_State *L);

void lua_pushlstring(lua_State *L, const char *s, size_t len);
void lua_pushstring(lua_State *L, const char *s);
void lua_pushinteger(lua_State *L, long long n);
void lua_pushnumber(lua_State *L, double n);
void lua_concat(lua_State *L, int n);
const char *lua_tolstring(lua_State *L, int idx, size_t *len);
void luaL_where(lua_State *L, int lvl);
int lua_error(lua_State *L);
int capi_gc(lua_State *L, int what, int a, int b, int c);
void capi_bad_format(lua_State *L, int c);

/* Returns f's result, or -1 if a capi_throw ended it. */
__attribute__((visibility("hidden"))) int capi_run(lua_CFunction f, lua_State *L, void **slot) {
  jmp_buf jb;
  void *prev = *slot;
  int n;
  if (_setjmp(jb) == 0) {
    *slot = &jb;
    n = f(L);
  } else {
    n = -1;
  }
  *slot = prev;
  return n;
}

/* capi_run for a continuation (lua_KFunction) called with `status` and `ctx`. */
__attribute__((visibility("hidden"))) int capi_run_k(int (*k)(lua_State *, int, long),
                                                     lua_State *L, int status, long ctx,
                                                     void **slot) {
  jmp_buf jb;
  void *prev = *slot;
  int n;
  if (_setjmp(jb) == 0) {
    *slot = &jb;
    n = k(L, status, ctx);
  } else {
    n = -1;
  }
  *slot = prev;
  return n;
}

__attribute__((visibility("hidden"))) void capi_throw(void *jb) {
  _longjmp(*(jmp_buf *)jb, 1);
}

/* UTF-8 of x (up to 0x7FFFFFFF, as PUC's %U), into buf; returns the length. */
static int utf8_encode(char *buf, unsigned long x) {
  int n = 1;
  if (x < 0x80) {
    buf[0] = (char)x;
    return 1;
  } else {
    unsigned int mfb = 0x3f; /* largest value that fits in the first byte */
    char tmp[8];
    int i = 7;
    do {
      tmp[i--] = (char)(0x80 | (x & 0x3f));
      x >>= 6;
      mfb >>= 1;
      n++;
    } while (x > mfb);
    tmp[i] = (char)((~mfb << 1) | x);
    memcpy(buf, tmp + i, (size_t)n);
    return n;
  }
}

const char *lua_pushvfstring(lua_State *L, const char *fmt, va_list argp) {
  int n = 0;
  const char *e;
  while ((e = strchr(fmt, '%')) != NULL) {
    lua_pushlstring(L, fmt, (size_t)(e - fmt));
    switch (e[1]) {
      case 's': {
        const char *s = va_arg(argp, const char *);
        lua_pushstring(L, s == NULL ? "(null)" : s);
        break;
      }
      case 'c': {
        char c = (char)va_arg(argp, int);
        lua_pushlstring(L, &c, 1);
        break;
      }
      case 'd': lua_pushinteger(L, va_arg(argp, int)); break;
      case 'I': lua_pushinteger(L, va_arg(argp, long long)); break;
      case 'f': lua_pushnumber(L, va_arg(argp, double)); break;
      case 'p': {
        char buf[3 * sizeof(void *) + 8];
        snprintf(buf, sizeof buf, "%p", va_arg(argp, void *));
        lua_pushstring(L, buf);
        break;
      }
      case 'U': {
        char buf[8];
        int len = utf8_encode(buf, (unsigned long)va_arg(argp, long));
        lua_pushlstring(L, buf, (size_t)len);
        break;
      }
      case '%': lua_pushlstring(L, "%", 1); break;
      default: capi_bad_format(L, (unsigned char)e[1]); /* does not return */
    }
    n += 2;
    if (n >= 16) { /* keep the pieces within LUA_MINSTACK */
      lua_concat(L, n);
      n = 1;
    }
    fmt = e + 2;
  }
  lua_pushstring(L, fmt);
  lua_concat(L, n + 1);
  return lua_tolstring(L, -1, NULL);
}

const char *lua_pushfstring(lua_State *L, const char *fmt, ...) {
  const char *r;
  va_list ap;
  va_start(ap, fmt);
  r = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return r;
}

int luaL_error(lua_State *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  luaL_where(L, 1);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  lua_concat(L, 2);
  return lua_error(L);
}

/* lua_gc's extra arguments by option (LUA_GCSTEP, SETPAUSE, SETSTEPMUL: one; GCGEN: two;
   GCINC: three). */
int lua_gc(lua_State *L, int what, ...) {
  int a = 0, b = 0, c = 0;
  va_list ap;
  va_start(ap, what);
  switch (what) {
    case 5: case 6: case 7: a = va_arg(ap, int); break;
    case 10: a = va_arg(ap, int); b = va_arg(ap, int); break;
    case 11: a = va_arg(ap, int); b = va_arg(ap, int); c = va_arg(ap, int); break;
    default: break;
  }
  va_end(ap);
  return capi_gc(L, what, a, b, c);
}
