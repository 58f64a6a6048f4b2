/* checker/_store.c: the set of seen fingerprints, packed (TLC's FPSet, in memory).
 *
 * FpSet holds signed 64-bit fingerprints (Python ints) in one open-addressing table of uint64 words,
 * probed linearly from the fingerprint's low bits (fingerprints are already uniformly mixed): 8 bytes a
 * slot, at most three quarters full, so 10.7 to 21 bytes per stored state where a Python set of ints
 * takes about 60. Slot value 0 means empty; the fingerprint 0 itself is kept in a flag. It only grows:
 * add, `in` and len are all a search needs. checker/store.py picks it (or a set, under --exact or
 * without this module); tests/test_store.py holds it to a Python set.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef struct {
    PyObject_HEAD
    uint64_t *slots;
    Py_ssize_t cap;  /* a power of two */
    Py_ssize_t len;  /* fingerprints held, 0 included */
    int has_zero;
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

static int
grow(FpSet *s)
{
    Py_ssize_t cap = s->cap ? s->cap * 2 : MIN_CAP;
    uint64_t *slots = PyMem_Calloc((size_t)cap, sizeof(uint64_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < s->cap; i++)
        if (s->slots[i] != 0)
            slots[find(slots, cap, s->slots[i])] = s->slots[i];
    PyMem_Free(s->slots);
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

static PyObject *
fpset_add(FpSet *s, PyObject *x)
{
    uint64_t w;
    if (word(x, &w) < 0)
        return NULL;
    if (w == 0) {
        s->len += !s->has_zero;
        s->has_zero = 1;
        Py_RETURN_NONE;
    }
    if ((s->len + 1) * 4 > s->cap * 3 && grow(s) < 0)
        return NULL;
    Py_ssize_t i = find(s->slots, s->cap, w);
    if (s->slots[i] == 0) {
        s->slots[i] = w;
        s->len++;
    }
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
fpset_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (!_PyArg_NoPositional("FpSet", args) || !_PyArg_NoKeywords("FpSet", kwds))
        return NULL;
    return type->tp_alloc(type, 0);
}

static void
fpset_dealloc(FpSet *s)
{
    PyMem_Free(s->slots);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PySequenceMethods fpset_as_sequence = {
    .sq_length = (lenfunc)fpset_len,
    .sq_contains = (objobjproc)fpset_contains,
};

static PyMethodDef fpset_methods[] = {
    {"add", (PyCFunction)fpset_add, METH_O, "add(fp): hold the signed 64-bit fingerprint fp."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef fpset_getset[] = {
    {"nbytes", (getter)fpset_nbytes, NULL, "bytes of the table", NULL},
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

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "checker._store", "The set of seen fingerprints, packed: 8 bytes a slot.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__store(void)
{
    if (PyType_Ready(&FpSetType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "FpSet", (PyObject *)&FpSetType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
