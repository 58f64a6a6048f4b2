/* checker/_fingerprint.c: the compiled twin of checker/fingerprint.py.
 *
 * checker/fingerprint.py is the definition of a state's 64-bit fingerprint (fingerprint_py); this
 * module computes exactly the same numbers, only faster: the same splitmix64 finalizer `mix`, the
 * same per-kind seeds K, the same `leaf`, `start`, `blob` (little-endian 8-byte words, the last one
 * zero-padded), `sequence` and `unordered` formulas, walking the same parts in the same way. Built-in
 * types are recognised by their exact type; any other type is described once by canonical.described
 * (passed in by `configure`) and remembered in a table keyed by the type object. The rare cases (ints
 * beyond 64 bits, a tuple or frozenset subclass that overrides iteration, a map without a `_keys`
 * tuple, a bag without a `_counts` dict) are handed to the Python definition, so they cannot drift.
 * Containers are walked whole (see fp_container), except records and maps built on checker._values'
 * C bases, which keep their fingerprint in a word after their items once it is computed (they cannot
 * change); a map's key fingerprints are computed once per map class. Python's hash() is never used, so the numbers do not depend on PYTHONHASHSEED or on addresses. When you change
 * a formula in fingerprint.py, change it here too: tests/test_fingerprint_native.py holds the two equal.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The kinds, numbered as their positions (1-based) in canonical.KINDS; configure checks the names. */
enum {
    NONE = 1, BOOL, INT, BIGINT, FLOAT, STR, BYTES, TUPLE, FROZENSET, RECORD, NOMINAL_TUPLE, MAP, PAIR,
    BAG, ENUM, DATACLASS, NOMINAL_SET, NOMINAL_LEAF, ELEMENT, NKINDS = ELEMENT
};

static const char *const KIND_NAMES[NKINDS + 1] = {
    NULL, "none", "bool", "int", "bigint", "float", "str", "bytes", "tuple", "frozenset", "record",
    "nominal_tuple", "map", "pair", "bag", "enum", "dataclass", "nominal_set", "nominal_leaf", "element",
};

static const char NAN_MESSAGE[] =
    "NaN cannot be part of a state: it is not equal to itself, so no two states holding it would ever match";

static const uint64_t GOLDEN = 0x9E3779B97F4A7C15ULL;

#define SMALL 16  /* lengths whose start is precomputed */

static uint64_t K[NKINDS + 1];                /* one seed per kind, as fingerprint.K */
static uint64_t SEED0[NKINDS + 1];            /* mix(K[kind] ^ 0): start's first step for tag 0 */
static uint64_t START0[NKINDS + 1][SMALL];    /* start(kind, 0, n) for short lengths */

static PyObject *described;  /* canonical.described: type -> (kind, name, extra), or raises */
static PyObject *fallback;   /* fingerprint.fingerprint_py: the definition, for the rare cases */
static PyObject *str_name, *str_counts, *str_keys;  /* interned attribute names */


/* -- the formulas of fingerprint.py ----------------------------------------------------------- */

static inline uint64_t
mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static inline uint64_t
leaf(int kind, uint64_t word)
{
    return mix(K[kind] ^ word);
}

/* start(kind, tag, n), given seed = mix(K[kind] ^ tag) (SEED0[kind] for tag 0, TypeInfo.seed otherwise) */
static inline uint64_t
start(uint64_t seed, Py_ssize_t n)
{
    return mix(seed + (uint64_t)n);
}

/* start(kind, 0, n) */
static inline uint64_t
start0(int kind, Py_ssize_t n)
{
    return n < SMALL ? START0[kind][n] : start(SEED0[kind], n);
}

/* Up to 8 bytes as a little-endian word, zero-padded. */
static inline uint64_t
load_word(const unsigned char *p, Py_ssize_t len)
{
    uint64_t w = 0;
    if (len >= 8) {
        memcpy(&w, p, 8);
#if !PY_LITTLE_ENDIAN
        w = __builtin_bswap64(w);
#endif
        return w;
    }
    for (Py_ssize_t i = 0; i < len; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

static uint64_t
blob(int kind, const char *data, Py_ssize_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    uint64_t h = start0(kind, n);
    for (Py_ssize_t i = 0; i < n; i += 8)
        h = mix(h ^ load_word(p + i, n - i));
    return h;
}

/* unordered: one scrambled part of the sum */
static inline uint64_t
element(uint64_t f)
{
    return mix(f ^ K[ELEMENT]);
}

/* unordered: the end, given the sum of the parts' elements */
static inline uint64_t
unordered(uint64_t seed, Py_ssize_t n, uint64_t total)
{
    return mix(start(seed, n) ^ total);
}

/* sequence(PAIR, 0, (k, v)) */
static inline uint64_t
pair(uint64_t k, uint64_t v)
{
    return mix(mix(START0[PAIR][2] ^ k) ^ v);
}

/* sequence(kind, tag, (f,)), for enums and subclasses of scalars */
static inline uint64_t
single(uint64_t seed, uint64_t f)
{
    return mix(start(seed, 1) ^ f);
}


/* -- types that are not built-in: described once, remembered ------------------------------------ */

typedef struct {
    PyTypeObject *type;  /* a strong reference; NULL for an empty slot */
    int kind;
    int plain;           /* the type iterates as its base (tuple or frozenset) does */
    uint64_t seed;       /* mix(K[kind] ^ tag(name)), 0 standing for the empty name of maps and bags */
    Py_ssize_t len;      /* RECORD, NOMINAL_TUPLE: the last length seen (-1 for none) ... */
    uint64_t start_len;  /* ... and start(seed, len) */
    PyObject *extra;     /* DATACLASS: the field names; NOMINAL_LEAF: the base type's conversion */
    PyObject *keys;      /* MAP: the class's _keys tuple (NULL if it has none) ... */
    PyObject *key_fps;   /* ... and their fingerprints, computed once: a bytes of uint64_t (NULL if keys is) */
    int keeps;           /* instances keep their fingerprint after their items (a subtype of a cached base) */
} TypeInfo;

/* The types whose instances have a word after their items for their fingerprint (checker._values'
 * MapBase and RecordBase, given to configure), and whether fingerprints are computed afresh now. */
static PyObject *keeping_bases;
static int afresh;

static TypeInfo *types;      /* an open-addressing table keyed by the type's address */
static Py_ssize_t types_cap; /* a power of two, or 0 */
static Py_ssize_t types_len;

static inline size_t
address_slot(const void *p, Py_ssize_t cap)
{
    uintptr_t a = (uintptr_t)p;
    return (size_t)((a >> 4) ^ (a >> 12)) & (size_t)(cap - 1);
}

static TypeInfo *
types_find(PyTypeObject *t)
{
    if (types_cap == 0)
        return NULL;
    for (size_t i = address_slot(t, types_cap);; i = (i + 1) & (size_t)(types_cap - 1)) {
        if (types[i].type == t)
            return &types[i];
        if (types[i].type == NULL)
            return NULL;
    }
}

static void
types_put(TypeInfo *table, Py_ssize_t cap, TypeInfo info)
{
    size_t i = address_slot(info.type, cap);
    while (table[i].type != NULL)
        i = (i + 1) & (size_t)(cap - 1);
    table[i] = info;
}

/* Adds info (whose references it takes) to the table, growing it to stay at most half full. */
static int
types_add(TypeInfo info)
{
    if (2 * (types_len + 1) > types_cap) {
        Py_ssize_t cap = types_cap ? 2 * types_cap : 64;
        TypeInfo *table = PyMem_Calloc((size_t)cap, sizeof(TypeInfo));
        if (table == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < types_cap; i++)
            if (types[i].type != NULL)
                types_put(table, cap, types[i]);
        PyMem_Free(types);
        types = table;
        types_cap = cap;
    }
    types_put(types, types_cap, info);
    types_len++;
    return 0;
}

static void
types_clear(void)
{
    for (Py_ssize_t i = 0; i < types_cap; i++) {
        Py_CLEAR(types[i].type);
        Py_CLEAR(types[i].extra);
        Py_CLEAR(types[i].keys);
        Py_CLEAR(types[i].key_fps);
    }
    PyMem_Free(types);
    types = NULL;
    types_cap = types_len = 0;
}

/* tag(name): a type's name as it enters its values' fingerprints */
static int
tag(PyObject *name, uint64_t *out)
{
    Py_ssize_t n;
    const char *s;
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "described() gave a type name that is not a str: %R", name);
        return -1;
    }
    s = PyUnicode_AsUTF8AndSize(name, &n);
    if (s == NULL)
        return -1;
    *out = blob(STR, s, n);
    return 0;
}

static int fp(PyObject *x, uint64_t *out);

/* The fingerprints of a map class's keys, as a new bytes object of uint64_t: a map's keys are its
 * class's, so each map is walked over its values only. */
static int
key_fingerprints(PyObject *keys, PyObject **out)
{
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    PyObject *fps = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(uint64_t));
    uint64_t f;
    if (fps == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (fp(PyTuple_GET_ITEM(keys, i), &f) < 0) {
            Py_DECREF(fps);
            return -1;
        }
        memcpy(PyBytes_AS_STRING(fps) + i * sizeof(uint64_t), &f, sizeof f);
    }
    *out = fps;
    return 0;
}

/* Calls described(t) and turns its (kind, name, extra) into a TypeInfo holding new references. */
static int
describe(PyTypeObject *t, TypeInfo *info)
{
    PyObject *f = Py_NewRef(described), *d = PyObject_CallOneArg(f, (PyObject *)t);
    long kind;
    uint64_t tagged = 0;
    Py_DECREF(f);
    if (d == NULL)
        return -1;  /* Unfingerprintable, unchanged */
    if (!PyTuple_Check(d) || PyTuple_GET_SIZE(d) != 3) {
        PyErr_Format(PyExc_TypeError, "described() must return (kind, name, extra), not %R", d);
        goto fail;
    }
    kind = PyLong_AsLong(PyTuple_GET_ITEM(d, 0));
    if (kind == -1 && PyErr_Occurred())
        goto fail;
    if (kind < RECORD || kind > NOMINAL_LEAF || kind == PAIR) {
        PyErr_Format(PyExc_ValueError, "described() gave kind %ld for %R, not one of a non-built-in type", kind, t);
        goto fail;
    }
    if (kind != MAP && kind != BAG && tag(PyTuple_GET_ITEM(d, 1), &tagged) < 0)
        goto fail;
    *info = (TypeInfo){.type = t, .kind = (int)kind, .seed = mix(K[kind] ^ tagged), .len = -1};
    if (kind == RECORD || kind == NOMINAL_TUPLE)
        info->plain = t->tp_iter == PyTuple_Type.tp_iter;
    if (keeping_bases != NULL && PyType_IsSubtype(t, &PyTuple_Type)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keeping_bases); i++)
            if (PyType_IsSubtype(t, (PyTypeObject *)PyTuple_GET_ITEM(keeping_bases, i)))
                info->keeps = 1;
    }
    if (kind == NOMINAL_SET)
        info->plain = t->tp_iter == PyFrozenSet_Type.tp_iter;
    if (kind == DATACLASS || kind == NOMINAL_LEAF)
        info->extra = Py_NewRef(PyTuple_GET_ITEM(d, 2));
    if (kind == DATACLASS && !PyTuple_Check(info->extra)) {
        PyErr_Format(PyExc_TypeError, "described() gave dataclass fields that are not a tuple: %R", info->extra);
        Py_CLEAR(info->extra);
        goto fail;
    }
    if (kind == MAP) {
        PyObject *keys = PyObject_GetAttr((PyObject *)t, str_keys);
        if (keys != NULL && PyTuple_Check(keys)) {
            if (key_fingerprints(keys, &info->key_fps) < 0) {
                Py_DECREF(keys);
                goto fail;
            }
            info->keys = keys;
        }
        else if (keys != NULL)
            Py_DECREF(keys);
        else
            PyErr_Clear();  /* no _keys: each map is handed to the Python definition */
    }
    Py_INCREF(t);
    Py_DECREF(d);
    return 0;
fail:
    Py_DECREF(d);
    return -1;
}

/* The TypeInfo of t, describing t the first time. The pointer is valid until Python code runs. */
static TypeInfo *
type_info(PyTypeObject *t)
{
    TypeInfo info, *found = types_find(t);
    if (found != NULL)
        return found;
    if (describe(t, &info) < 0)
        return NULL;
    found = types_find(t);  /* described() ran Python code, which may have fingerprinted a t itself */
    if (found != NULL) {
        Py_DECREF(info.type);
        Py_XDECREF(info.extra);
        Py_XDECREF(info.keys);
        Py_XDECREF(info.key_fps);
        return found;
    }
    if (types_add(info) < 0) {
        Py_DECREF(info.type);
        Py_XDECREF(info.extra);
        Py_XDECREF(info.keys);
        Py_XDECREF(info.key_fps);
        return NULL;
    }
    return types_find(t);
}


/* -- the walk ----------------------------------------------------------------------------------- */

/* Each nested container is a C call: Py_EnterRecursiveCall keeps to Python's recursion limit, and
 * MAX_DEPTH keeps the C stack safe when that limit was raised far (Python 3.11 counts only Python
 * frames against it). depth counts the walks of every thread, which can only interleave while one
 * of them runs Python code; the cap is far above any real state's nesting. */
#define MAX_DEPTH 5000  /* at a few hundred bytes of C stack a level */

static int depth;

static int
enter(void)
{
    if (depth >= MAX_DEPTH) {
        PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded while fingerprinting a state");
        return -1;
    }
    if (Py_EnterRecursiveCall(" while fingerprinting a state"))
        return -1;
    depth++;
    return 0;
}

static void
leave(void)
{
    depth--;
    Py_LeaveRecursiveCall();
}

/* The Python definition's fingerprint of x, as an unsigned word. */
static int
fp_python(PyObject *x, uint64_t *out)
{
    PyObject *f = Py_NewRef(fallback), *r = PyObject_CallOneArg(f, x);
    long long v;
    Py_DECREF(f);
    if (r == NULL)
        return -1;
    v = PyLong_AsLongLong(r);
    Py_DECREF(r);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int
fp_int(PyObject *x, uint64_t *out)
{
    int overflow;
#if PY_VERSION_HEX < 0x030C0000
    Py_ssize_t size = Py_SIZE(x);
    if (size >= -1 && size <= 1) {  /* one digit at most: most counters, ballots, ids */
        *out = leaf(INT, (uint64_t)(size * (long long)((PyLongObject *)x)->ob_digit[0]));
        return 0;
    }
#else
    if (PyUnstable_Long_IsCompact((PyLongObject *)x)) {
        *out = leaf(INT, (uint64_t)(long long)PyUnstable_Long_CompactValue((PyLongObject *)x));
        return 0;
    }
#endif
    long long v = PyLong_AsLongLongAndOverflow(x, &overflow);
    if (overflow)
        return fp_python(x, out);  /* blob(BIGINT, int_bytes(x)) */
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = leaf(INT, (uint64_t)v);
    return 0;
}

static int
fp_float(PyObject *x, uint64_t *out)
{
    double d = PyFloat_AS_DOUBLE(x);
    uint64_t bits;
    if (isnan(d)) {
        PyErr_SetString(PyExc_ValueError, NAN_MESSAGE);
        return -1;
    }
    if (d == 0.0)
        d = 0.0;  /* -0.0 is 0.0 */
    memcpy(&bits, &d, sizeof bits);
    *out = leaf(FLOAT, bits);
    return 0;
}

static int
fp_str(PyObject *x, uint64_t *out)
{
    Py_ssize_t n;
    const char *s;
    PyObject *b;
    if (PyUnicode_IS_COMPACT_ASCII(x)) {  /* most strings: the characters are the UTF-8 */
        *out = blob(STR, PyUnicode_DATA(x), PyUnicode_GET_LENGTH(x));
        return 0;
    }
    s = PyUnicode_AsUTF8AndSize(x, &n);
    if (s != NULL) {
        *out = blob(STR, s, n);
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
        return -1;
    PyErr_Clear();  /* lone surrogates: str_bytes keeps them */
    b = PyUnicode_AsEncodedString(x, "utf-8", "surrogatepass");
    if (b == NULL)
        return -1;
    *out = blob(STR, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    return 0;
}

/* sequence(kind, tag, items of the tuple x), given h = start(kind, tag, len(x)) */
static int
fp_tuple(uint64_t h, PyObject *x, uint64_t *out)
{
    Py_ssize_t n = PyTuple_GET_SIZE(x);
    uint64_t f;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (fp(PyTuple_GET_ITEM(x, i), &f) < 0)
            return -1;
        h = mix(h ^ f);
    }
    *out = h;
    return 0;
}

/* unordered(kind, tag, elements of the frozenset x) */
#if PY_VERSION_HEX < 0x030D0000
static int
fp_set(uint64_t seed, PyObject *x, uint64_t *out)
{
    /* the set's own table, read in place: a frozenset never changes, and holds its elements while
     * they are fingerprinted (much cheaper per element than _PySet_NextEntry or an iterator) */
    PySetObject *so = (PySetObject *)x;
    Py_ssize_t n = 0;
    uint64_t total = 0, f;
    for (Py_ssize_t i = 0; n < so->used && i <= so->mask; i++) {
        PyObject *e = so->table[i].key;
        if (e == NULL || e == _PySet_Dummy)
            continue;
        if (fp(e, &f) < 0)
            return -1;
        total += element(f);
        n++;
    }
    *out = unordered(seed, n, total);
    return 0;
}
#else  /* from Python 3.13 on, through the iterator only */
static int
fp_set(uint64_t seed, PyObject *x, uint64_t *out)
{
    PyObject *it = PyObject_GetIter(x), *e;
    Py_ssize_t n = 0;
    uint64_t total = 0, f;
    if (it == NULL)
        return -1;
    while ((e = PyIter_Next(it)) != NULL) {
        int err = fp(e, &f);
        Py_DECREF(e);
        if (err < 0) {
            Py_DECREF(it);
            return -1;
        }
        total += element(f);
        n++;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return -1;
    *out = unordered(seed, n, total);
    return 0;
}
#endif

/* A FrozenMap: unordered over the pairs (key, value), zip(_keys, the tuple's items). */
static int
fp_map(uint64_t seed, PyObject *key_fps, PyObject *x, uint64_t *out)
{
    Py_ssize_t n = Py_MIN(PyBytes_GET_SIZE(key_fps) / (Py_ssize_t)sizeof(uint64_t), PyTuple_GET_SIZE(x));
    const char *keys = PyBytes_AS_STRING(key_fps);
    uint64_t total = 0, k, v;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (fp(PyTuple_GET_ITEM(x, i), &v) < 0)
            return -1;
        memcpy(&k, keys + i * sizeof k, sizeof k);
        total += element(pair(k, v));
    }
    *out = unordered(seed, n, total);
    return 0;
}

/* A Bag: unordered over the pairs (item, count) of its _counts dict. */
static int
fp_bag(uint64_t seed, PyObject *x, uint64_t *out)
{
    PyObject *counts = PyObject_GetAttr(x, str_counts), *key, *value;
    Py_ssize_t pos = 0, n = 0;
    uint64_t total = 0, k, v;
    int err = 0;
    if (counts == NULL)
        return -1;
    if (!PyDict_CheckExact(counts)) {
        Py_DECREF(counts);
        return fp_python(x, out);
    }
    while (PyDict_Next(counts, &pos, &key, &value)) {
        Py_INCREF(key);  /* held while Python code may run */
        Py_INCREF(value);
        err = fp(key, &k) < 0 || fp(value, &v) < 0;
        Py_DECREF(key);
        Py_DECREF(value);
        if (err)
            break;
        total += element(pair(k, v));
        n++;
    }
    Py_DECREF(counts);
    if (err)
        return -1;
    *out = unordered(seed, n, total);
    return 0;
}

/* sequence(kind, tag, (f,)) where f is the fingerprint of part, a new reference (NULL on error) */
static int
fp_single(uint64_t seed, PyObject *part, uint64_t *out)
{
    uint64_t f;
    int err;
    if (part == NULL)
        return -1;
    err = fp(part, &f);
    Py_DECREF(part);
    if (err < 0)
        return -1;
    *out = single(seed, f);
    return 0;
}

/* sequence(DATACLASS, tag, [getattr(x, f) for f in fields]) */
static int
fp_dataclass(uint64_t seed, PyObject *fields, PyObject *x, uint64_t *out)
{
    Py_ssize_t n = PyTuple_GET_SIZE(fields);
    uint64_t h = start(seed, n), f;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyObject_GetAttr(x, PyTuple_GET_ITEM(fields, i));
        int err;
        if (v == NULL)
            return -1;
        err = fp(v, &f);
        Py_DECREF(v);
        if (err < 0)
            return -1;
        h = mix(h ^ f);
    }
    *out = h;
    return 0;
}

/* A value of a type that is not built-in, by its described kind. */
static int
fp_described(TypeInfo *info, PyObject *x, uint64_t *out)
{
    uint64_t seed = info->seed;
    PyObject *extra;
    int err;
    switch (info->kind) {
    case RECORD:
    case NOMINAL_TUPLE:
        if (!info->plain)
            return fp_python(x, out);
        if (PyTuple_GET_SIZE(x) != info->len) {  /* a record's length is its type's */
            info->len = PyTuple_GET_SIZE(x);
            info->start_len = start(seed, info->len);
        }
        return fp_tuple(info->start_len, x, out);
    case NOMINAL_SET:
        return info->plain ? fp_set(seed, x, out) : fp_python(x, out);
    case MAP:
        if (info->keys == NULL)
            return fp_python(x, out);
        extra = Py_NewRef(info->key_fps);  /* held: Python code may run, and configure() clear the table */
        err = fp_map(seed, extra, x, out);
        Py_DECREF(extra);
        return err;
    case BAG:
        return fp_bag(seed, x, out);
    case ENUM:
        return fp_single(seed, PyObject_GetAttr(x, str_name), out);
    case DATACLASS:
        extra = Py_NewRef(info->extra);
        err = fp_dataclass(seed, extra, x, out);
        Py_DECREF(extra);
        return err;
    default:  /* NOMINAL_LEAF: by its value as the base type */
        extra = Py_NewRef(info->extra);
        err = fp_single(seed, PyObject_CallOneArg(extra, x), out);
        Py_DECREF(extra);
        return err;
    }
}

/* A container: frozensets, records, maps, bags, dataclasses. Walked whole each time: remembering
 * containers by identity (a table holding a reference to each) measured slower than walking them again,
 * on every benchmark model (Lamport's mutex 1.9-3.6 us a successor with it, 1.3-1.5 without; Paxos,
 * whose sets of messages it was for, 1.3-1.5 with, 0.9-1.2 without): the references kept dead states
 * alive, and freeing them inside the walk cost more than the walks saved. */
static int
fp_container(TypeInfo *info, PyObject *x, uint64_t *out)
{
    int err;
    uint64_t *kept = NULL;
    if (info != NULL && info->keeps) {
        kept = (uint64_t *)&((PyTupleObject *)x)->ob_item[PyTuple_GET_SIZE(x)];
        if (*kept != 0 && !afresh) {  /* 0: not yet computed (or a fingerprint of 0, computed each time) */
            *out = *kept;
            return 0;
        }
    }
    if (enter() < 0)
        return -1;
    err = info ? fp_described(info, x, out) : fp_set(SEED0[FROZENSET], x, out);
    leave();
    if (err == 0 && kept != NULL && !afresh)
        *kept = *out;
    return err;
}

static int
fp(PyObject *x, uint64_t *out)
{
    PyTypeObject *t = Py_TYPE(x);
    TypeInfo *info;
    int err;
    if (x == Py_None) {
        *out = leaf(NONE, 0);
        return 0;
    }
    if (t == &PyBool_Type) {
        *out = leaf(BOOL, x == Py_True);
        return 0;
    }
    if (t == &PyLong_Type)
        return fp_int(x, out);
    if (t == &PyFloat_Type)
        return fp_float(x, out);
    if (t == &PyUnicode_Type)
        return fp_str(x, out);
    if (t == &PyBytes_Type) {
        *out = blob(BYTES, PyBytes_AS_STRING(x), PyBytes_GET_SIZE(x));
        return 0;
    }
    if (t == &PyFrozenSet_Type)
        return fp_container(NULL, x, out);
    if (t == &PyTuple_Type) {
        if (enter() < 0)
            return -1;
        err = fp_tuple(start0(TUPLE, PyTuple_GET_SIZE(x)), x, out);
        leave();
        return err;
    }
    info = type_info(t);
    if (info == NULL)
        return -1;
    if (info->kind != ENUM && info->kind != NOMINAL_LEAF)  /* records, maps, bags, dataclasses, sets */
        return fp_container(info, x, out);
    if (enter() < 0)
        return -1;
    err = fp_described(info, x, out);
    leave();
    return err;
}


/* -- the module --------------------------------------------------------------------------------- */

/* The value fingerprinted last, held (so its address stays its own) with its fingerprint: the search
 * fingerprints a successor, then the properties' @derived values ask for the same object's again. */
static PyObject *last;
static uint64_t last_fp;

static PyObject *
fingerprint(PyObject *module, PyObject *x)
{
    uint64_t h;
    if (x == last)
        return PyLong_FromLongLong((long long)last_fp);
    if (described == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "checker._fingerprint.configure() was not called");
        return NULL;
    }
    if (fp(x, &h) < 0)
        return NULL;
    Py_XSETREF(last, Py_NewRef(x));
    last_fp = h;
    return PyLong_FromLongLong((long long)h);
}

/* configure(described, fallback, kinds): checks kinds (canonical.KINDS) against the numbers above. */
static PyObject *
configure(PyObject *module, PyObject *args)
{
    PyObject *d, *f, *kinds, *bases = NULL;
    if (!PyArg_ParseTuple(args, "OOO!|O!:configure", &d, &f, &PyTuple_Type, &kinds, &PyTuple_Type, &bases))
        return NULL;
    for (Py_ssize_t i = 0; bases != NULL && i < PyTuple_GET_SIZE(bases); i++) {
        PyObject *b = PyTuple_GET_ITEM(bases, i);
        if (!PyType_Check(b) || !PyType_IsSubtype((PyTypeObject *)b, &PyTuple_Type) ||
            ((PyTypeObject *)b)->tp_basicsize < (Py_ssize_t)sizeof(PyTupleObject) ||
            ((PyTypeObject *)b)->tp_itemsize != sizeof(PyObject *)) {
            PyErr_Format(PyExc_TypeError, "configure: %R is not a tuple type with a word after its items", b);
            return NULL;
        }
    }
    if (PyTuple_GET_SIZE(kinds) != NKINDS)
        goto mismatch;
    for (int k = 1; k <= NKINDS; k++) {
        PyObject *name = PyTuple_GET_ITEM(kinds, k - 1);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, KIND_NAMES[k]) != 0)
            goto mismatch;
    }
    Py_XSETREF(described, Py_NewRef(d));
    Py_XSETREF(fallback, Py_NewRef(f));
    if (bases != NULL)
        Py_XSETREF(keeping_bases, Py_NewRef(bases));
    types_clear();
    Py_CLEAR(last);
    Py_RETURN_NONE;
mismatch:
    PyErr_Format(PyExc_ImportError,
                 "checker._fingerprint was built for other kinds than canonical.KINDS = %R: rebuild it "
                 "(pip install -e .) or set CONCORD_PURE_PYTHON=1", kinds);
    return NULL;
}

static PyObject *
clear(PyObject *module, PyObject *unused)
{
    Py_CLEAR(last);
    Py_RETURN_NONE;
}

/* fingerprint(x) with nothing remembered read or written: to see whether x has changed. */
static PyObject *
fresh(PyObject *module, PyObject *x)
{
    uint64_t h;
    int err;
    if (described == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "checker._fingerprint.configure() was not called");
        return NULL;
    }
    Py_CLEAR(last);
    afresh++;
    err = fp(x, &h);
    afresh--;
    return err < 0 ? NULL : PyLong_FromLongLong((long long)h);
}

static PyMethodDef methods[] = {
    {"fingerprint", fingerprint, METH_O, "fingerprint(x) -> int: the same signed 64-bit fingerprint as fingerprint_py(x)."},
    {"configure", configure, METH_VARARGS, "configure(described, fallback, kinds, bases=()): set up; kinds is "
     "canonical.KINDS; instances of the bases (tuple types one word longer) keep their fingerprint."},
    {"clear", clear, METH_NOARGS, "clear(): forget the value fingerprinted last."},
    {"fresh", fresh, METH_O, "fresh(x) -> int: fingerprint(x) computed afresh, no remembered fingerprint read."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "checker._fingerprint",
    "The compiled twin of checker/fingerprint.py: the same 64-bit fingerprints, faster.", -1, methods,
};

PyMODINIT_FUNC
PyInit__fingerprint(void)
{
    for (int k = 1; k <= NKINDS; k++) {
        K[k] = mix((uint64_t)k * GOLDEN);
        SEED0[k] = mix(K[k]);
        for (Py_ssize_t n = 0; n < SMALL; n++)
            START0[k][n] = start(SEED0[k], n);
    }
    str_name = PyUnicode_InternFromString("_name_");
    str_counts = PyUnicode_InternFromString("_counts");
    str_keys = PyUnicode_InternFromString("_keys");
    if (str_name == NULL || str_counts == NULL || str_keys == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
