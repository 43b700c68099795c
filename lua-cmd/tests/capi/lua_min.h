/* The parts of Lua 5.4's lua.h and lauxlib.h ABI (x86-64 Linux, default luaconf) that the
 * test module uses, declared for this project's tests. */
#ifndef LUA_MIN_H
#define LUA_MIN_H
#include <stddef.h>
#include <stdint.h>

typedef struct lua_State lua_State;
typedef int (*lua_CFunction)(lua_State *L);
typedef int (*lua_KFunction)(lua_State *L, int status, intptr_t ctx);
typedef double lua_Number;
typedef long long lua_Integer;

#define LUA_MULTRET (-1)
#define LUA_REGISTRYINDEX (-1000000 - 1000)
#define lua_upvalueindex(i) (LUA_REGISTRYINDEX - (i))
#define LUA_OK 0
#define LUA_ERRRUN 2
#define LUA_TNONE (-1)
#define LUA_TNIL 0
#define LUA_TNUMBER 3
#define LUA_TSTRING 4
#define LUA_TTABLE 5
#define LUA_OPADD 0
#define LUA_OPEQ 0
#define LUA_OPLT 1
#define LUA_OPLE 2
#define LUA_NOREF (-2)
#define LUA_REFNIL (-1)

int lua_absindex(lua_State *L, int idx);
int lua_gettop(lua_State *L);
void lua_settop(lua_State *L, int idx);
void lua_pushvalue(lua_State *L, int idx);
void lua_rotate(lua_State *L, int idx, int n);
void lua_copy(lua_State *L, int fromidx, int toidx);
int lua_checkstack(lua_State *L, int n);
int lua_isnumber(lua_State *L, int idx);
int lua_isstring(lua_State *L, int idx);
int lua_isinteger(lua_State *L, int idx);
int lua_type(lua_State *L, int idx);
const char *lua_typename(lua_State *L, int tp);
lua_Number lua_tonumberx(lua_State *L, int idx, int *isnum);
lua_Integer lua_tointegerx(lua_State *L, int idx, int *isnum);
int lua_toboolean(lua_State *L, int idx);
const char *lua_tolstring(lua_State *L, int idx, size_t *len);
size_t lua_rawlen(lua_State *L, int idx);
void *lua_touserdata(lua_State *L, int idx);
void lua_arith(lua_State *L, int op);
int lua_rawequal(lua_State *L, int idx1, int idx2);
int lua_compare(lua_State *L, int idx1, int idx2, int op);
void lua_pushnil(lua_State *L);
void lua_pushnumber(lua_State *L, lua_Number n);
void lua_pushinteger(lua_State *L, lua_Integer n);
const char *lua_pushlstring(lua_State *L, const char *s, size_t len);
const char *lua_pushstring(lua_State *L, const char *s);
const char *lua_pushfstring(lua_State *L, const char *fmt, ...);
void lua_pushcclosure(lua_State *L, lua_CFunction fn, int n);
void lua_pushboolean(lua_State *L, int b);
void lua_pushlightuserdata(lua_State *L, void *p);
int lua_getglobal(lua_State *L, const char *name);
int lua_gettable(lua_State *L, int idx);
int lua_getfield(lua_State *L, int idx, const char *k);
int lua_geti(lua_State *L, int idx, lua_Integer n);
int lua_rawget(lua_State *L, int idx);
int lua_rawgeti(lua_State *L, int idx, lua_Integer n);
int lua_rawgetp(lua_State *L, int idx, const void *p);
void lua_createtable(lua_State *L, int narr, int nrec);
void *lua_newuserdatauv(lua_State *L, size_t sz, int nuvalue);
int lua_getmetatable(lua_State *L, int objindex);
int lua_getiuservalue(lua_State *L, int idx, int n);
void lua_setglobal(lua_State *L, const char *name);
void lua_settable(lua_State *L, int idx);
void lua_setfield(lua_State *L, int idx, const char *k);
void lua_seti(lua_State *L, int idx, lua_Integer n);
void lua_rawset(lua_State *L, int idx);
void lua_rawseti(lua_State *L, int idx, lua_Integer n);
void lua_rawsetp(lua_State *L, int idx, const void *p);
int lua_setmetatable(lua_State *L, int objindex);
int lua_setiuservalue(lua_State *L, int idx, int n);
void lua_callk(lua_State *L, int nargs, int nresults, intptr_t ctx, lua_KFunction k);
int lua_pcallk(lua_State *L, int nargs, int nresults, int errfunc, intptr_t ctx, lua_KFunction k);
int lua_error(lua_State *L);
int lua_next(lua_State *L, int idx);
void lua_concat(lua_State *L, int n);
void lua_len(lua_State *L, int idx);

lua_State *lua_newthread(lua_State *L);
int lua_resume(lua_State *L, lua_State *from, int narg, int *nres);
int lua_yieldk(lua_State *L, int nresults, intptr_t ctx, lua_KFunction k);
int lua_status(lua_State *L);
int lua_isyieldable(lua_State *L);
void lua_xmove(lua_State *from, lua_State *to, int n);
typedef const char *(*lua_Reader)(lua_State *L, void *ud, size_t *sz);
typedef int (*lua_Writer)(lua_State *L, const void *p, size_t sz, void *ud);
int lua_load(lua_State *L, lua_Reader reader, void *dt, const char *chunkname, const char *mode);
int lua_dump(lua_State *L, lua_Writer writer, void *data, int strip);
int luaL_loadbufferx(lua_State *L, const char *buff, size_t sz, const char *name, const char *mode);
int luaL_fileresult(lua_State *L, int stat, const char *fname);
const char *lua_getupvalue(lua_State *L, int funcindex, int n);
const char *lua_setupvalue(lua_State *L, int funcindex, int n);
void *lua_upvalueid(lua_State *L, int fidx, int n);
void lua_upvaluejoin(lua_State *L, int fidx1, int n1, int fidx2, int n2);
#define lua_yield(L, n) lua_yieldk(L, (n), 0, NULL)
#define lua_call(L, n, r) lua_callk(L, (n), (r), 0, NULL)
#define lua_pcall(L, n, r, f) lua_pcallk(L, (n), (r), (f), 0, NULL)
#define lua_tonumber(L, i) lua_tonumberx(L, (i), NULL)
#define lua_tointeger(L, i) lua_tointegerx(L, (i), NULL)
#define lua_pop(L, n) lua_settop(L, -(n)-1)
#define lua_newtable(L) lua_createtable(L, 0, 0)
#define lua_pushcfunction(L, f) lua_pushcclosure(L, (f), 0)
#define lua_tostring(L, i) lua_tolstring(L, (i), NULL)
#define lua_insert(L, idx) lua_rotate(L, (idx), 1)
#define lua_remove(L, idx) (lua_rotate(L, (idx), -1), lua_pop(L, 1))
#define lua_replace(L, idx) (lua_copy(L, -1, (idx)), lua_pop(L, 1))
#define lua_isnoneornil(L, n) (lua_type(L, (n)) <= 0)
#define lua_newuserdata(L, s) lua_newuserdatauv(L, s, 1)

typedef struct luaL_Reg { const char *name; lua_CFunction func; } luaL_Reg;

typedef struct luaL_Buffer {
  char *b;
  size_t size;
  size_t n;
  lua_State *L;
  union { double align_n; void *align_p; long long align_i; char b[1024]; } init;
} luaL_Buffer;

void luaL_checkversion_(lua_State *L, lua_Number ver, size_t sz);
int luaL_argerror(lua_State *L, int arg, const char *extramsg);
int luaL_typeerror(lua_State *L, int arg, const char *tname);
const char *luaL_checklstring(lua_State *L, int arg, size_t *l);
const char *luaL_optlstring(lua_State *L, int arg, const char *def, size_t *l);
lua_Number luaL_checknumber(lua_State *L, int arg);
lua_Number luaL_optnumber(lua_State *L, int arg, lua_Number def);
lua_Integer luaL_checkinteger(lua_State *L, int arg);
lua_Integer luaL_optinteger(lua_State *L, int arg, lua_Integer def);
void luaL_checktype(lua_State *L, int arg, int t);
void luaL_checkany(lua_State *L, int arg);
int luaL_newmetatable(lua_State *L, const char *tname);
void luaL_setmetatable(lua_State *L, const char *tname);
void *luaL_testudata(lua_State *L, int ud, const char *tname);
void *luaL_checkudata(lua_State *L, int ud, const char *tname);
int luaL_checkoption(lua_State *L, int arg, const char *def, const char *const lst[]);
int luaL_error(lua_State *L, const char *fmt, ...);
int luaL_ref(lua_State *L, int t);
void luaL_unref(lua_State *L, int t, int ref);
lua_Integer luaL_len(lua_State *L, int idx);
const char *luaL_tolstring(lua_State *L, int idx, size_t *len);
int luaL_getsubtable(lua_State *L, int idx, const char *fname);
const char *luaL_gsub(lua_State *L, const char *s, const char *p, const char *r);
void luaL_setfuncs(lua_State *L, const luaL_Reg *l, int nup);
void luaL_buffinit(lua_State *L, luaL_Buffer *B);
char *luaL_prepbuffsize(luaL_Buffer *B, size_t sz);
void luaL_addlstring(luaL_Buffer *B, const char *s, size_t l);
void luaL_addstring(luaL_Buffer *B, const char *s);
void luaL_addvalue(luaL_Buffer *B);
void luaL_pushresult(luaL_Buffer *B);

#define luaL_checkversion(L) luaL_checkversion_(L, 504, sizeof(lua_Integer) * 16 + sizeof(lua_Number))
#define luaL_newlib(L, l) (luaL_checkversion(L), lua_createtable(L, 0, sizeof(l) / sizeof((l)[0]) - 1), luaL_setfuncs(L, l, 0))
#define luaL_checkstring(L, n) luaL_checklstring(L, (n), NULL)
#define luaL_addchar(B, c) ((void)((B)->n < (B)->size || luaL_prepbuffsize((B), 1)), ((B)->b[(B)->n++] = (c)))
#define luaL_getmetatable(L, n) lua_getfield(L, LUA_REGISTRYINDEX, (n))
#endif
