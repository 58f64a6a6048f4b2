/* checker/_store.c: the set of seen fingerprints, packed (TLC's FPSet, in memory).
 *
 * FpSet holds signed 64-bit fingerprints (Python ints) in one open-addressing table of uint64 words,
 * probed linearly from the fingerprint's low bits (fingerprints are already uniformly mixed): 8 bytes a
 * slot, at most three quarters full, so 10.7 to 21 bytes per stored state where a Python set of ints
 * takes about 60. Slot value 0 means empty; the fingerprint 0 itself is kept in a flag. It only grows:
 * add, `in` and len are all a search needs. checker/store.py picks it (or a set, under --exact or
 * without this module); tests/test_store.py holds it to a Python set.
 *
 * FpSet(directory) keeps its table in a file there, mapped into memory (unlinked at once, so nothing is
 * left behind): the kernel may then write its pages out and read them back, so that under --memory the
 * seen set is not the process's own memory but the page cache's (checker/frontier.py's Spill makes one).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    PyObject_HEAD
    uint64_t *slots;
    Py_ssize_t cap;  /* a power of two */
    Py_ssize_t len;  /* fingerprints held, 0 included */
    int has_zero;
    PyObject *directory;  /* a str: the table lives in a file there, mapped; NULL: in the heap */
} FpSet;

#define MIN_CAP 1024

/* The fingerprint x as a uint64 word; -1 with an error set if x is not a signed 64-bit int. */
static int
word(PyObject *x, uint64_t *out)
{
    if (!PyLong_Check(x)) {
        PyErr_Format(PyExc_TypeError, "FpSet holds 64-bit fingerprints (ints), not %.100s", Py_TYPE(x)->tp_name);
        return -1;
    }
    long long v = PyLong_AsLongLong(x);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static inline Py_ssize_t
find(const uint64_t *slots, Py_ssize_t cap, uint64_t w)
{
    size_t mask = (size_t)cap - 1, i = (size_t)(w ^ (w >> 32)) & mask;
    while (slots[i] != 0 && slots[i] != w)
        i = (i + 1) & mask;
    return (Py_ssize_t)i;
}

/* A zeroed table of cap words: from the heap, or a mapped file in s->directory. NULL with an error set. */
static uint64_t *
table(FpSet *s, Py_ssize_t cap)
{
    if (s->directory == NULL) {
        uint64_t *slots = PyMem_Calloc((size_t)cap, sizeof(uint64_t));
        if (slots == NULL)
            PyErr_NoMemory();
        return slots;
    }
    PyObject *path = PyUnicode_FromFormat("%U/seen-XXXXXX", s->directory);
    if (path == NULL)
        return NULL;
    PyObject *bytes = PyUnicode_EncodeFSDefault(path);
    Py_DECREF(path);
    if (bytes == NULL)
        return NULL;
    char *name = PyBytes_AS_STRING(bytes);
    int fd = mkstemp(name);
    void *map = MAP_FAILED;
    if (fd >= 0) {
        unlink(name);
        if (ftruncate(fd, (off_t)cap * (off_t)sizeof(uint64_t)) == 0)
            map = mmap(NULL, (size_t)cap * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    if (map == MAP_FAILED)
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, bytes);
    if (fd >= 0)
        close(fd);
    Py_DECREF(bytes);
    return map == MAP_FAILED ? NULL : (uint64_t *)map;
}

static void
release(FpSet *s, uint64_t *slots, Py_ssize_t cap)
{
    if (slots == NULL)
        return;
    if (s->directory == NULL)
        PyMem_Free(slots);
    else
        munmap(slots, (size_t)cap * sizeof(uint64_t));
}

static int
grow(FpSet *s)
{
    Py_ssize_t cap = s->cap ? s->cap * 2 : MIN_CAP;
    uint64_t *slots = table(s, cap);
    if (slots == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < s->cap; i++)
        if (s->slots[i] != 0)
            slots[find(slots, cap, s->slots[i])] = s->slots[i];
    release(s, s->slots, s->cap);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

static int
fpset_contains(FpSet *s, PyObject *x)
{
    uint64_t w;
    if (word(x, &w) < 0)
        return -1;
    if (w == 0)
        return s->has_zero;
    return s->cap != 0 && s->slots[find(s->slots, s->cap, w)] == w;
}

/* Add one word; 1 if it was not held, 0 if it was, -1 on no memory. */
static int
insert(FpSet *s, uint64_t w)
{
    if (w == 0) {
        if (s->has_zero)
            return 0;
        s->has_zero = 1;
        s->len++;
        return 1;
    }
    if ((s->len + 1) * 4 > s->cap * 3 && grow(s) < 0)
        return -1;
    Py_ssize_t i = find(s->slots, s->cap, w);
    if (s->slots[i] != 0)
        return 0;
    s->slots[i] = w;
    s->len++;
    return 1;
}

static PyObject *fpset_claim(FpSet *s, PyObject *const *args, Py_ssize_t nargs);

static PyObject *
fpset_add(FpSet *s, PyObject *x)
{
    uint64_t w;
    if (word(x, &w) < 0 || insert(s, w) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static Py_ssize_t
fpset_len(FpSet *s)
{
    return s->len;
}

static PyObject *
fpset_nbytes(FpSet *s, void *closure)
{
    return PyLong_FromSsize_t(s->cap * (Py_ssize_t)sizeof(uint64_t));
}

static PyObject *
fpset_directory(FpSet *s, void *closure)
{
    return Py_NewRef(s->directory ? s->directory : Py_None);
}

static PyObject *
fpset_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *directory = Py_None;
    if (!_PyArg_NoKeywords("FpSet", kwds) || !PyArg_UnpackTuple(args, "FpSet", 0, 1, &directory))
        return NULL;
    if (directory != Py_None && !PyUnicode_Check(directory)) {
        PyErr_SetString(PyExc_TypeError, "FpSet(directory=None): a directory's path, as a str");
        return NULL;
    }
    FpSet *s = (FpSet *)type->tp_alloc(type, 0);
    if (s != NULL && directory != Py_None)
        s->directory = Py_NewRef(directory);
    return (PyObject *)s;
}

static void
fpset_dealloc(FpSet *s)
{
    release(s, s->slots, s->cap);
    Py_XDECREF(s->directory);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PySequenceMethods fpset_as_sequence = {
    .sq_length = (lenfunc)fpset_len,
    .sq_contains = (objobjproc)fpset_contains,
};

static PyMethodDef fpset_methods[] = {
    {"add", (PyCFunction)fpset_add, METH_O, "add(fp): hold the signed 64-bit fingerprint fp."},
    {"claim", (PyCFunction)(void (*)(void))fpset_claim, METH_FASTCALL,
     "claim(fps, most=-1): add a buffer of 64-bit fingerprints in order; bytes, 1 where one was new."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef fpset_getset[] = {
    {"nbytes", (getter)fpset_nbytes, NULL, "bytes of the table", NULL},
    {"directory", (getter)fpset_directory, NULL, "where its table is a mapped file (None: in the heap)", NULL},
    {NULL},
};

static PyTypeObject FpSetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker._store.FpSet",
    .tp_basicsize = sizeof(FpSet),
    .tp_dealloc = (destructor)fpset_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A set of signed 64-bit fingerprints packed in one table: add, in, len.",
    .tp_new = fpset_new,
    .tp_as_sequence = &fpset_as_sequence,
    .tp_methods = fpset_methods,
    .tp_getset = fpset_getset,
};


/* BitState: SPIN's supertrace. A state is k bits of a table of 2^b bits, drawn from its fingerprint by
 * double hashing (bit i of k: h1 + i*h2 mod 2^b, h1 the fingerprint's low word mixed, h2 its high word
 * mixed, odd). "In" when all k are set: a new state whose bits another set before is taken for seen and
 * never explored (an omission; checker/store.py's omission() estimates how many). len: the states added. */
typedef struct {
    PyObject_HEAD
    uint64_t *words;
    uint64_t mask;   /* 2^b - 1 */
    int b, k;
    Py_ssize_t len;
} BitState;

static inline uint64_t
mix(uint64_t x)  /* splitmix64's finalizer */
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* 1 if w was not (all its bits set) and now is, 0 if it was. */
static int
bits_insert(BitState *s, uint64_t w)
{
    uint64_t h1 = mix(w), h2 = mix(w ^ 0x9e3779b97f4a7c15ULL) | 1;
    int fresh = 0;
    for (int i = 0; i < s->k; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) & s->mask;
        uint64_t one = 1ULL << (bit & 63);
        if (!(s->words[bit >> 6] & one)) {
            fresh = 1;
            s->words[bit >> 6] |= one;
        }
    }
    s->len += fresh;
    return fresh;
}

static int
bits_has(BitState *s, uint64_t w)
{
    uint64_t h1 = mix(w), h2 = mix(w ^ 0x9e3779b97f4a7c15ULL) | 1;
    for (int i = 0; i < s->k; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) & s->mask;
        if (!(s->words[bit >> 6] & (1ULL << (bit & 63))))
            return 0;
    }
    return 1;
}

static PyObject *
bits_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kw[] = {"b", "k", NULL};
    int b, k = 3;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i|i", kw, &b, &k))
        return NULL;
    if (b < 6 || b > 40 || k < 1 || k > 16) {
        PyErr_SetString(PyExc_ValueError, "BitState(b, k): 2^b bits with 6 <= b <= 40, 1 <= k <= 16 bits a state");
        return NULL;
    }
    BitState *s = (BitState *)type->tp_alloc(type, 0);
    if (s == NULL)
        return NULL;
    s->words = PyMem_Calloc((size_t)1 << (b - 6), sizeof(uint64_t));
    if (s->words == NULL) {
        Py_DECREF(s);
        return PyErr_NoMemory();
    }
    s->b = b;
    s->k = k;
    s->mask = (b == 64 ? ~0ULL : ((1ULL << b) - 1));
    return (PyObject *)s;
}

static void
bits_dealloc(BitState *s)
{
    PyMem_Free(s->words);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static int
bits_contains(BitState *s, PyObject *x)
{
    uint64_t w;
    if (word(x, &w) < 0)
        return -1;
    return bits_has(s, w);
}

static PyObject *
bits_add(BitState *s, PyObject *x)
{
    uint64_t w;
    if (word(x, &w) < 0)
        return NULL;
    bits_insert(s, w);
    Py_RETURN_NONE;
}

static Py_ssize_t
bits_len(BitState *s)
{
    return s->len;
}

static PyObject *
bits_nbytes(BitState *s, void *closure)
{
    return PyLong_FromSsize_t((Py_ssize_t)(((size_t)1 << s->b) / 8));
}

static PyObject *
bits_get_b(BitState *s, void *closure)
{
    return PyLong_FromLong(s->b);
}

static PyObject *
bits_get_filled(BitState *s, void *closure)
{
    size_t n = (size_t)1 << (s->b - 6);
    unsigned long long ones = 0;
    for (size_t i = 0; i < n; i++)
        ones += (unsigned long long)__builtin_popcountll(s->words[i]);
    return PyLong_FromUnsignedLongLong(ones);
}

static PyObject *
bits_get_k(BitState *s, void *closure)
{
    return PyLong_FromLong(s->k);
}

static PyObject *bits_claim(BitState *s, PyObject *const *args, Py_ssize_t nargs);

static PySequenceMethods bits_as_sequence = {
    .sq_length = (lenfunc)bits_len,
    .sq_contains = (objobjproc)bits_contains,
};

static PyMethodDef bits_methods[] = {
    {"add", (PyCFunction)bits_add, METH_O, "add(fp): set the k bits of fingerprint fp."},
    {"claim", (PyCFunction)(void (*)(void))bits_claim, METH_FASTCALL,
     "claim(fps, most=-1): add a buffer of 64-bit fingerprints in order; bytes, 1 where one was new."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef bits_getset[] = {
    {"nbytes", (getter)bits_nbytes, NULL, "bytes of the table", NULL},
    {"b", (getter)bits_get_b, NULL, "the table holds 2^b bits", NULL},
    {"k", (getter)bits_get_k, NULL, "bits set per state", NULL},
    {"filled", (getter)bits_get_filled, NULL, "bits set in the table", NULL},
    {NULL},
};

static PyTypeObject BitStateType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker._store.BitState",
    .tp_basicsize = sizeof(BitState),
    .tp_dealloc = (destructor)bits_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "SPIN's bitstate hashing: a state is k bits of a table of 2^b bits; add, in, len.",
    .tp_new = bits_new,
    .tp_as_sequence = &bits_as_sequence,
    .tp_methods = bits_methods,
    .tp_getset = bits_getset,
};

/* The seen set's insert, whichever kind it is: 1 added, 0 held, -1 error. */
static int
seen_insert(PyObject *seen, uint64_t w)
{
    if (Py_IS_TYPE(seen, &BitStateType))
        return bits_insert((BitState *)seen, w);
    return insert((FpSet *)seen, w);
}

/* claim(fps, most=-1): add the fingerprints of a buffer of signed 64-bit words in order; returns bytes, 1
 * where a fingerprint was new (and is now held), 0 where it was held already or came after `most` were
 * added. How parallel search decides, in the order of one process, which worker found a state first. */
static PyObject *
claim_words(PyObject *s, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "claim(fps, most=-1)");
        return NULL;
    }
    Py_ssize_t most = -1;
    if (nargs == 2 && (most = PyLong_AsSsize_t(args[1])) == -1 && PyErr_Occurred())
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    if (view.len % 8) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "claim takes a buffer of 64-bit words");
        return NULL;
    }
    Py_ssize_t n = view.len / 8;
    PyObject *mask = PyBytes_FromStringAndSize(NULL, n);
    if (mask == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    char *out = PyBytes_AS_STRING(mask);
    const char *in = view.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t w;
        memcpy(&w, in + 8 * i, 8);
        int added = most == 0 ? 0 : seen_insert(s, w);
        if (added < 0) {
            PyBuffer_Release(&view);
            Py_DECREF(mask);
            return NULL;
        }
        out[i] = (char)added;
        most -= added && most > 0;
    }
    PyBuffer_Release(&view);
    return mask;
}

static PyObject *
fpset_claim(FpSet *s, PyObject *const *args, Py_ssize_t nargs)
{
    return claim_words((PyObject *)s, args, nargs);
}

static PyObject *
bits_claim(BitState *s, PyObject *const *args, Py_ssize_t nargs)
{
    return claim_words((PyObject *)s, args, nargs);
}

/* A buffer of n items of `size` bytes; -1 with an error set if it is not one. */
static int
items(PyObject *o, Py_buffer *view, Py_ssize_t size, Py_ssize_t *n)
{
    if (PyObject_GetBuffer(o, view, PyBUF_SIMPLE) < 0)
        return -1;
    if (view->len % size) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_ValueError, "a buffer of %zd-byte items expected", size);
        return -1;
    }
    *n = view->len / size;
    return 0;
}

/* merge(seen, fps, parents, maps, most, base): the candidates of k workers claimed in the order of one process.
 *
 * Worker w sends fps[w] (64-bit fingerprints) with parents[w] (64-bit indices into its own slice, never
 * decreasing); maps[w] turns a slice index into the parent's index in the level (increasing). One process
 * expands the level in index order, so the candidates are taken parent by parent, each parent's in the
 * order its worker found them, and claimed in seen (at most `most` added; -1: no bound). Returns
 * (masks, fps, parents, places): per worker a bytes mask of its candidates that were new; the new states'
 * fingerprints (int64) and parents' indices (int32) in the order of one process; per worker the indices of
 * its new states (int64), numbered from base in that order. */
static PyObject *
fpset_merge(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !(Py_IS_TYPE(args[0], &FpSetType) || Py_IS_TYPE(args[0], &BitStateType)) || !PyList_Check(args[1]) ||
        !PyList_Check(args[2]) || !PyList_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "merge(seen: FpSet, fps: list, parents: list, maps: list, most: int, base: int)");
        return NULL;
    }
    PyObject *seen = args[0];
    Py_ssize_t k = PyList_GET_SIZE(args[1]);
    long long most = PyLong_AsLongLong(args[4]);
    if (most == -1 && PyErr_Occurred())
        return NULL;
    long long base = PyLong_AsLongLong(args[5]);
    if (base == -1 && PyErr_Occurred())
        return NULL;
    if (PyList_GET_SIZE(args[2]) != k || PyList_GET_SIZE(args[3]) != k) {
        PyErr_SetString(PyExc_ValueError, "merge: one fps, parents and map per worker");
        return NULL;
    }
    PyObject *result = NULL, *masks = NULL, *places = NULL, *out_fps = NULL, *out_parents = NULL;
    Py_buffer *views = PyMem_Calloc(3 * (size_t)k + 1, sizeof(Py_buffer));
    Py_ssize_t *n = PyMem_Calloc((size_t)k + 1, sizeof(Py_ssize_t)), *head = PyMem_Calloc((size_t)k + 1, sizeof(Py_ssize_t));
    Py_ssize_t *nmap = PyMem_Calloc((size_t)k + 1, sizeof(Py_ssize_t)), *won = PyMem_Calloc((size_t)k + 1, sizeof(Py_ssize_t));
    int got = 0;
    if (views == NULL || n == NULL || head == NULL || nmap == NULL || won == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t total = 0;
    for (; got < k; got++) {
        Py_ssize_t np;
        if (items(PyList_GET_ITEM(args[1], got), &views[3 * got], 8, &n[got]) < 0)
            goto done;
        if (items(PyList_GET_ITEM(args[2], got), &views[3 * got + 1], 8, &np) < 0) {
            PyBuffer_Release(&views[3 * got]);
            goto done;
        }
        if (items(PyList_GET_ITEM(args[3], got), &views[3 * got + 2], 8, &nmap[got]) < 0) {
            PyBuffer_Release(&views[3 * got]);
            PyBuffer_Release(&views[3 * got + 1]);
            goto done;
        }
        if (np != n[got]) {
            got++;
            PyErr_SetString(PyExc_ValueError, "merge: one parent per fingerprint");
            goto done;
        }
        total += n[got];
    }
    masks = PyList_New(k);
    places = PyList_New(k);
    if (masks == NULL || places == NULL)
        goto done;
    for (Py_ssize_t w = 0; w < k; w++) {
        PyObject *m = PyBytes_FromStringAndSize(NULL, n[w]);
        if (m == NULL)
            goto done;
        PyList_SET_ITEM(masks, w, m);
    }
    int64_t *fps_buf = PyMem_Malloc((size_t)total * 8 + 8);
    int32_t *par_buf = PyMem_Malloc((size_t)total * 4 + 4);
    int64_t **place_buf = PyMem_Calloc((size_t)k + 1, sizeof(int64_t *));
    if (fps_buf == NULL || par_buf == NULL || place_buf == NULL) {
        PyMem_Free(fps_buf);
        PyMem_Free(par_buf);
        PyMem_Free(place_buf);
        PyErr_NoMemory();
        goto done;
    }
    int failed = 0;
    for (Py_ssize_t w = 0; w < k && !failed; w++)
        failed = (place_buf[w] = PyMem_Malloc((size_t)n[w] * 8 + 8)) == NULL;
    Py_ssize_t count = 0;
    while (!failed) {
        /* the worker whose next candidate has the lowest parent in the level */
        Py_ssize_t best = -1;
        int64_t bestp = 0;
        for (Py_ssize_t w = 0; w < k; w++) {
            if (head[w] >= n[w])
                continue;
            int64_t local = ((int64_t *)views[3 * w + 1].buf)[head[w]];
            if (local < 0 || local >= nmap[w]) {
                PyErr_SetString(PyExc_IndexError, "merge: a parent outside its worker's slice");
                failed = 1;
                break;
            }
            int64_t p = ((int64_t *)views[3 * w + 2].buf)[local];
            if (best < 0 || p < bestp) {
                best = w;
                bestp = p;
            }
        }
        if (failed || best < 0)
            break;
        const int64_t *fps = views[3 * best].buf, *parents = views[3 * best + 1].buf;
        char *mask = PyBytes_AS_STRING(PyList_GET_ITEM(masks, best));
        int64_t local = parents[head[best]];
        for (Py_ssize_t i = head[best]; i < n[best] && parents[i] == local; i++, head[best]++) {
            int added = most == 0 ? 0 : seen_insert(seen, (uint64_t)fps[i]);
            if (added < 0) {
                failed = 1;
                break;
            }
            mask[i] = (char)added;
            if (added) {
                most -= most > 0;
                fps_buf[count] = fps[i];
                par_buf[count] = (int32_t)bestp;
                place_buf[best][won[best]++] = base + count;
                count++;
            }
        }
    }
    if (!failed) {
        out_fps = PyBytes_FromStringAndSize((char *)fps_buf, count * 8);
        out_parents = PyBytes_FromStringAndSize((char *)par_buf, count * 4);
        for (Py_ssize_t w = 0; w < k && out_fps && out_parents && !failed; w++) {
            PyObject *b = PyBytes_FromStringAndSize((char *)place_buf[w], won[w] * 8);
            if (b == NULL)
                failed = 1;
            else
                PyList_SET_ITEM(places, w, b);
        }
    }
    for (Py_ssize_t w = 0; w < k; w++)
        PyMem_Free(place_buf[w]);
    PyMem_Free(place_buf);
    PyMem_Free(fps_buf);
    PyMem_Free(par_buf);
    if (!failed && out_fps != NULL && out_parents != NULL)
        result = PyTuple_Pack(4, masks, out_fps, out_parents, places);
done:
    for (Py_ssize_t w = 0; w < got; w++)
        for (int j = 0; j < 3; j++)
            PyBuffer_Release(&views[3 * w + j]);
    PyMem_Free(views);
    PyMem_Free(n);
    PyMem_Free(head);
    PyMem_Free(nmap);
    PyMem_Free(won);
    Py_XDECREF(masks);
    Py_XDECREF(places);
    Py_XDECREF(out_fps);
    Py_XDECREF(out_parents);
    return result;
}

static PyMethodDef module_methods[] = {
    {"merge", (PyCFunction)(void (*)(void))fpset_merge, METH_FASTCALL,
     "merge(seen, fps, parents, maps, most, base): k workers' candidates claimed in the order of one process."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "checker._store", "The set of seen fingerprints, packed: 8 bytes a slot.", -1,
    module_methods,
};

PyMODINIT_FUNC
PyInit__store(void)
{
    if (PyType_Ready(&FpSetType) < 0 || PyType_Ready(&BitStateType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "FpSet", (PyObject *)&FpSetType) < 0 ||
        PyModule_AddObjectRef(module, "BitState", (PyObject *)&BitStateType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
