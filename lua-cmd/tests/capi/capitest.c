/* A C module exercising the Lua 5.4 C API group by group; capitest.lua drives it, and the
 * test compares its output under our `lua` and under reference Lua. */
#include <stdio.h>
#include <string.h>
#include "lua_min.h"

/* stack: pushes and moves values around, returns the whole stack */
static int t_stack(lua_State *L) {
  int n = lua_gettop(L);
  lua_pushinteger(L, n);
  lua_pushvalue(L, 1);
  lua_rotate(L, 1, 1);          /* last value to the bottom */
  lua_copy(L, -1, 2);
  lua_pushinteger(L, lua_absindex(L, -1));
  lua_insert(L, 1);
  lua_remove(L, 2);
  lua_pushboolean(L, lua_checkstack(L, 100));
  lua_settop(L, lua_gettop(L) + 2); /* two nils */
  return lua_gettop(L);
}

/* types: one string per argument describing what the API sees */
static int t_types(lua_State *L) {
  int i, n = lua_gettop(L);
  for (i = 1; i <= n; i++) {
    int isnum = 0, isint = 0;
    lua_Number d = lua_tonumberx(L, i, &isnum);
    lua_Integer k = lua_tointegerx(L, i, &isint);
    size_t len = 0;
    const char *s = lua_isstring(L, i) ? "" : "(not a string)";
    lua_pushfstring(L, "%s num=%d(%f) int=%d(%I) bool=%d str=%d isint=%d rawlen=%d %s",
                    lua_typename(L, lua_type(L, i)), isnum, isnum ? d : 0.0, isint, k,
                    lua_toboolean(L, i), lua_isstring(L, i), lua_isinteger(L, i),
                    (int)lua_rawlen(L, i), s);
    if (lua_type(L, i) == LUA_TNUMBER) {   /* lua_tolstring converts in place */
      const char *t = lua_tolstring(L, i, &len);
      lua_pushfstring(L, " -> '%s' (%d) %s", t, (int)len, lua_typename(L, lua_type(L, i)));
      lua_concat(L, 2);
    }
  }
  lua_pushstring(L, lua_typename(L, lua_type(L, n + 5)));
  return n + 1;
}

/* tables */
static int t_tables(lua_State *L) {
  static int key;
  int sum = 0;
  lua_createtable(L, 4, 4);
  lua_pushstring(L, "one"); lua_seti(L, -2, 1);
  lua_pushstring(L, "two"); lua_rawseti(L, -2, 2);
  lua_pushinteger(L, 42); lua_setfield(L, -2, "answer");
  lua_pushstring(L, "k"); lua_pushstring(L, "v"); lua_settable(L, -3);
  lua_pushstring(L, "rk"); lua_pushstring(L, "rv"); lua_rawset(L, -3);
  lua_pushstring(L, "p"); lua_rawsetp(L, -2, &key);
  lua_geti(L, -1, 1);
  lua_rawgeti(L, -2, 2);
  lua_getfield(L, -3, "answer");
  lua_pushstring(L, "k"); lua_gettable(L, -5);
  lua_pushstring(L, "rk"); lua_rawget(L, -6);
  lua_rawgetp(L, -6, &key);
  lua_concat(L, 6);
  /* iterate with lua_next, summing the key lengths */
  lua_pushnil(L);
  while (lua_next(L, -3) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING) sum += (int)lua_rawlen(L, -2);
    else sum += 100;
    lua_pop(L, 1);
  }
  lua_pushinteger(L, sum);
  lua_len(L, -3);
  lua_pushinteger(L, luaL_len(L, -4));
  /* globals */
  lua_pushstring(L, "set from C");
  lua_setglobal(L, "capi_global");
  lua_getglobal(L, "capi_global");
  return 5;
}

/* metamethods through the API: gettable/settable honour __index/__newindex */
static int t_meta(lua_State *L) {
  lua_getfield(L, 1, "missing");
  lua_pushinteger(L, 7);
  lua_setfield(L, 1, "newkey");
  lua_getfield(L, 1, "newkey");
  return 2;
}

/* userdata: a point with a metatable, methods, user values, __gc, __tostring */
typedef struct { double x, y; } Point;

static int p_new(lua_State *L) {
  double x = luaL_checknumber(L, 1), y = luaL_optnumber(L, 2, 0);
  Point *p = (Point *)lua_newuserdatauv(L, sizeof(Point), 2);
  p->x = x;
  p->y = y;
  luaL_setmetatable(L, "capitest.Point");
  return 1;
}
static int p_x(lua_State *L) {
  Point *p = (Point *)luaL_checkudata(L, 1, "capitest.Point");
  lua_pushnumber(L, p->x);
  return 1;
}
static int p_add(lua_State *L) {
  Point *a = (Point *)luaL_checkudata(L, 1, "capitest.Point");
  Point *b = (Point *)luaL_checkudata(L, 2, "capitest.Point");
  Point *c = (Point *)lua_newuserdatauv(L, sizeof(Point), 0);
  c->x = a->x + b->x;
  c->y = a->y + b->y;
  luaL_setmetatable(L, "capitest.Point");
  return 1;
}
static int p_tostring(lua_State *L) {
  Point *p = (Point *)luaL_checkudata(L, 1, "capitest.Point");
  lua_pushfstring(L, "Point(%f, %f)", p->x, p->y);
  return 1;
}
static int p_gc(lua_State *L) {
  Point *p = (Point *)luaL_checkudata(L, 1, "capitest.Point");
  lua_getglobal(L, "gc_log");
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_pushnumber(L, p->x);
    lua_seti(L, -2, luaL_len(L, -2) + 1);
  }
  return 0;
}
static int p_uv(lua_State *L) {
  luaL_checkudata(L, 1, "capitest.Point");
  lua_settop(L, 2);
  lua_pushinteger(L, lua_setiuservalue(L, 1, 1));
  lua_pushinteger(L, lua_getiuservalue(L, 1, 1));
  lua_pushinteger(L, lua_getiuservalue(L, 1, 3)); /* none: pushes nil, returns LUA_TNONE */
  return 5;
}
static int p_test(lua_State *L) {
  lua_pushboolean(L, luaL_testudata(L, 1, "capitest.Point") != NULL);
  lua_pushboolean(L, lua_touserdata(L, 1) != NULL);
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
  return 3;
}

/* closures with upvalues: a counter */
static int counter_step(lua_State *L) {
  lua_Integer n = lua_tointeger(L, lua_upvalueindex(1)) + luaL_optinteger(L, 1, 1);
  lua_pushinteger(L, n);
  lua_copy(L, -1, lua_upvalueindex(1));
  lua_pushvalue(L, lua_upvalueindex(2));
  return 2;
}
static int t_counter(lua_State *L) {
  lua_pushinteger(L, luaL_checkinteger(L, 1));
  lua_pushstring(L, luaL_optlstring(L, 2, "tag", NULL));
  lua_pushcclosure(L, counter_step, 2);
  return 1;
}

/* calls */
static int t_call(lua_State *L) {
  int n;
  luaL_checktype(L, 1, 6 /* function */);
  n = lua_gettop(L);
  lua_call(L, n - 1, LUA_MULTRET);
  lua_pushinteger(L, lua_gettop(L));
  lua_insert(L, 1);
  return lua_gettop(L);
}
static int handler(lua_State *L) {
  lua_pushfstring(L, "handled: %s", lua_tostring(L, 1));
  return 1;
}
static int t_pcall(lua_State *L) {
  int st, withh = lua_toboolean(L, 2);
  lua_settop(L, 1);
  if (withh) {
    lua_pushcfunction(L, handler);
    lua_insert(L, 1);
  }
  st = lua_pcall(L, 0, 1, withh ? 1 : 0);
  lua_pushinteger(L, st);
  lua_insert(L, -2);
  return 2;
}

/* errors */
static int t_error(lua_State *L) {
  const char *what = luaL_checkstring(L, 1);
  if (strcmp(what, "fmt") == 0)
    return luaL_error(L, "fmt %s %d %I %f %c %U %%", "str", 42, (lua_Integer)-7, 2.5, 'x', 0x20AC);
  if (strcmp(what, "value") == 0) {
    lua_newtable(L);
    lua_pushstring(L, "in a table");
    lua_setfield(L, -2, "msg");
    return lua_error(L);
  }
  if (strcmp(what, "arg") == 0) return luaL_argerror(L, 2, "custom problem");
  if (strcmp(what, "type") == 0) return luaL_typeerror(L, 2, "widget");
  if (strcmp(what, "int") == 0) return (int)luaL_checkinteger(L, 2);
  if (strcmp(what, "udata") == 0) return luaL_checkudata(L, 2, "capitest.Point") != NULL;
  if (strcmp(what, "any") == 0) { luaL_checkany(L, 2); return 0; }
  if (strcmp(what, "option") == 0) {
    static const char *const opts[] = {"alpha", "beta", "gamma", NULL};
    lua_pushinteger(L, luaL_checkoption(L, 2, "beta", opts));
    return 1;
  }
  if (strcmp(what, "through") == 0) { /* a Lua error passing through lua_call */
    lua_pushvalue(L, 2);
    lua_call(L, 0, 0);
    lua_pushstring(L, "not reached");
    return 1;
  }
  if (strcmp(what, "index") == 0) { /* an __index error inside lua_getfield */
    lua_getfield(L, 2, "x");
    return 1;
  }
  return 0;
}

/* buffers */
static int t_buffer(lua_State *L) {
  luaL_Buffer b;
  int i, n = (int)luaL_checkinteger(L, 1);
  luaL_buffinit(L, &b);
  for (i = 0; i < n; i++) luaL_addchar(&b, (char)('a' + i % 26));
  luaL_addstring(&b, "|");
  luaL_addlstring(&b, "xyz", 2);
  lua_pushinteger(L, 12345);
  luaL_addvalue(&b);
  luaL_pushresult(&b);
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
  luaL_gsub(L, "a.b.c", ".", "::");
  return 3;
}

/* references */
static int t_refs(lua_State *L) {
  int r1, r2, r3;
  lua_pushstring(L, "first");
  r1 = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushstring(L, "second");
  r2 = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushnil(L);
  r3 = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_rawgeti(L, LUA_REGISTRYINDEX, r1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, r2);
  luaL_unref(L, LUA_REGISTRYINDEX, r1);
  lua_pushstring(L, "third");
  lua_pushboolean(L, luaL_ref(L, LUA_REGISTRYINDEX) == r1); /* reuses the freed one */
  lua_pushboolean(L, r1 != r2 && r1 > 0 && r2 > 0);
  lua_pushinteger(L, r3);
  return 5;
}

/* arithmetic, comparison, concatenation, tostring */
static int t_ops(lua_State *L) {
  lua_settop(L, 2);
  lua_pushvalue(L, 1); lua_pushvalue(L, 2); lua_arith(L, LUA_OPADD);
  lua_pushvalue(L, 1); lua_pushvalue(L, 2); lua_arith(L, 6 /* IDIV */);
  lua_pushvalue(L, 1); lua_arith(L, 12 /* UNM */);
  lua_pushinteger(L, lua_compare(L, 1, 2, LUA_OPLT));
  lua_pushinteger(L, lua_compare(L, 1, 2, LUA_OPLE));
  lua_pushinteger(L, lua_compare(L, 1, 2, LUA_OPEQ));
  lua_pushinteger(L, lua_rawequal(L, 1, 1));
  lua_pushvalue(L, 1); lua_pushstring(L, "~"); lua_pushvalue(L, 2); lua_concat(L, 3);
  luaL_tolstring(L, 1, NULL);
  return 9;
}

static int t_subtable(lua_State *L) {
  lua_settop(L, 1);
  lua_pushinteger(L, luaL_getsubtable(L, 1, "sub"));
  lua_pushinteger(L, luaL_getsubtable(L, 1, "sub"));
  lua_pushboolean(L, lua_rawequal(L, -1, -3));
  return 3;
}

/* coroutines driven from C: resume the function in arg 1 with arg 2 until it ends */
static int t_coro(lua_State *L) {
  lua_State *co = lua_newthread(L);
  int status, nres = 0, rounds = 0;
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushvalue(L, 2);
  lua_xmove(L, co, 1);
  lua_newtable(L); /* collects what happens */
  do {
    status = lua_resume(co, L, rounds == 0 ? 1 : 1, &nres);
    if (status > 1) nres = 1; /* the error object (nres is meaningless then) */
    lua_pushfstring(L, "status=%d nres=%d costatus=%d", status, nres, lua_status(co));
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    if (nres > 0) {
      lua_xmove(co, L, nres);
      lua_concat(L, nres);
      lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    }
    lua_pushinteger(L, ++rounds * 10); /* the next resume's argument */
    lua_xmove(L, co, 1);
  } while (status == 1 && rounds < 10);
  return 1;
}

/* a C function that yields its arguments (no continuation) */
static int t_yield(lua_State *L) {
  lua_pushinteger(L, lua_isyieldable(L));
  return lua_yield(L, lua_gettop(L));
}

/* lua_callk with a continuation: the callee (arg 1) may yield */
static int callk_cont(lua_State *L, int status, intptr_t ctx) {
  lua_pushfstring(L, "continued status=%d ctx=%d top=%d", status, (int)ctx, lua_gettop(L));
  return lua_gettop(L);
}
static int t_callk(lua_State *L) {
  lua_pushstring(L, "below");            /* stays under the call */
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 5);
  lua_callk(L, 1, 2, 77, callk_cont);
  return callk_cont(L, 0, 77);           /* no yield happened */
}

/* upvalues of the function at 1: names and values, then set the first to arg 2 */
static int t_upvalues(lua_State *L) {
  int i;
  const char *name;
  luaL_Buffer b;
  lua_settop(L, 3);
  luaL_buffinit(L, &b);
  for (i = 1; (name = lua_getupvalue(L, 1, i)) != NULL; i++) {
    lua_pushfstring(L, "[%d '%s' %s]", i, name, luaL_tolstring(L, -1, NULL));
    lua_remove(L, -2);
    lua_remove(L, -2);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  lua_pushvalue(L, 2);
  lua_pushstring(L, lua_setupvalue(L, 1, 1) ? "set" : "none");
  lua_pushboolean(L, lua_getupvalue(L, 1, 99) == NULL);
  if (lua_type(L, 3) == 6) { /* join upvalue 1 of arg 3 to upvalue 1 of arg 1 */
    lua_pushboolean(L, lua_upvalueid(L, 1, 1) == lua_upvalueid(L, 3, 1));
    lua_upvaluejoin(L, 3, 1, 1, 1);
    lua_pushboolean(L, lua_upvalueid(L, 1, 1) == lua_upvalueid(L, 3, 1));
    return 5;
  }
  return 3;
}

/* lua_load with a reader giving one line at a time, lua_dump with a writer */
typedef struct { const char *const *parts; int i; } Parts;
static const char *reader(lua_State *L, void *ud, size_t *sz) {
  Parts *p = (Parts *)ud;
  const char *s = p->parts[p->i];
  (void)L;
  if (s == NULL) { *sz = 0; return NULL; }
  p->i++;
  *sz = strlen(s);
  return s;
}
static int dump_started;
static int writer(lua_State *L, const void *b, size_t sz, void *ud) {
  if (!dump_started) {
    dump_started = 1;
    luaL_buffinit(L, (luaL_Buffer *)ud);
  }
  luaL_addlstring((luaL_Buffer *)ud, (const char *)b, sz);
  return 0;
}
static int t_load(lua_State *L) {
  static const char *const good[] = {"local a, b = ...\n", "return a * b, ", "'loaded'", NULL};
  static const char *const bad[] = {"return +", NULL};
  Parts p1 = {good, 0}, p2 = {bad, 0};
  luaL_Buffer b;
  int st = lua_load(L, reader, &p1, "=parts", NULL);
  lua_pushinteger(L, 6);
  lua_pushinteger(L, 7);
  lua_call(L, 2, 2);
  lua_pushinteger(L, st);
  lua_pushinteger(L, lua_load(L, reader, &p2, "=bad", "t"));
  /* dump the function in arg 1 and load it back as binary; as string.dump does, the
     writer starts the buffer on top of the function */
  lua_pushvalue(L, 1);
  dump_started = 0;
  lua_dump(L, writer, &b, 1);
  luaL_pushresult(&b);
  lua_remove(L, -2); /* the function */
  lua_pushboolean(L, lua_tostring(L, -1)[0] == 0x1b);
  {
    size_t len;
    const char *chunk = lua_tolstring(L, -2, &len);
    int st2 = luaL_loadbufferx(L, chunk, len, "=dumped", "b");
    lua_pushinteger(L, 41);
    lua_call(L, 1, 1);
    lua_pushinteger(L, st2);
  }
  lua_remove(L, -4); /* the chunk's bytes */
  return 7;
}

static int t_fileresult(lua_State *L) {
  FILE *f = fopen(luaL_checkstring(L, 1), "r");
  int n;
  if (f) fclose(f);
  n = luaL_fileresult(L, f != NULL, luaL_checkstring(L, 1));
  return n;
}

static const luaL_Reg point_methods[] = {
  {"x", p_x}, {"uv", p_uv}, {"__add", p_add}, {"__tostring", p_tostring}, {"__gc", p_gc},
  {"placeholder", NULL}, {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"stack", t_stack}, {"types", t_types}, {"tables", t_tables}, {"meta", t_meta},
  {"point", p_new}, {"test", p_test}, {"counter", t_counter}, {"call", t_call},
  {"pcall", t_pcall}, {"error", t_error}, {"buffer", t_buffer}, {"refs", t_refs},
  {"ops", t_ops}, {"subtable", t_subtable}, {"coro", t_coro}, {"yield", t_yield},
  {"load", t_load}, {"callk", t_callk}, {"upvalues", t_upvalues}, {"fileresult", t_fileresult}, {NULL, NULL}
};

int luaopen_capitest(lua_State *L) {
  luaL_newmetatable(L, "capitest.Point");
  luaL_setfuncs(L, point_methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}

/* a second open function, for the '-' naming rule: require "capitest-v2" */
int luaopen_capitest_extra(lua_State *L) {
  lua_pushstring(L, "extra module");
  return 1;
}
