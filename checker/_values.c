/* checker/_values.c: C bases for the value types of checker/values.py, so that reading and updating a
 * state costs a C call, not a Python one.
 *
 * MapBase is the base of every FrozenMap class: a tuple of values whose class holds `_keys` (the key
 * order) and `_index` (key -> position). `m[k]`, `k in m`, `m.get(k)`, `m.set(k, v)`, iteration over the
 * keys and equality (only with a map of the same class, that is over the same keys) are written here;
 * RecordBase gives records the same equality (only records of their own type). Both keep one more word
 * after their items (their basic size is one item larger than a tuple's): checker/_fingerprint.c keeps a
 * value's fingerprint there once computed, as the value cannot change. Everything else stays in
 * values.py, which also holds the pure-Python twins of these methods for when this module is not built;
 * tests/test_values.py runs the same tests on both.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "structmember.h"
#include <string.h>

static PyObject *str_index, *str_keys, *str_field_index;  /* interned "_index", "_keys", "_field_index" */


/* -- maps ------------------------------------------------------------------------------------- */

/* The class attribute `name` of self's type (borrowed), found through the type's method cache. */
static PyObject *
class_attribute(PyObject *self, PyObject *name)
{
    PyObject *value = _PyType_Lookup(Py_TYPE(self), name);
    if (value == NULL) {
        PyErr_Format(PyExc_TypeError, "%.100s has no %U: build maps with FrozenMap.of or FrozenMap.const",
                     Py_TYPE(self)->tp_name, name);
    }
    return value;
}

static void
key_error(PyObject *key)
{
    PyObject *args = PyTuple_Pack(1, key);  /* a tuple key must not be unpacked into KeyError's args */
    if (args != NULL) {
        PyErr_SetObject(PyExc_KeyError, args);
        Py_DECREF(args);
    }
}

/* The position of key among self's keys; -1 with KeyError set (`missing` 1) or -2 with nothing set
 * (`missing` 0) when it is not one of them, -1 with an error set on any other failure. */
static Py_ssize_t
position(PyObject *self, PyObject *key, int missing)
{
    PyObject *index = class_attribute(self, str_index);
    if (index == NULL)
        return -1;
    if (!PyDict_CheckExact(index)) {
        PyErr_SetString(PyExc_TypeError, "a map's _index must be a dict");
        return -1;
    }
    PyObject *at = PyDict_GetItemWithError(index, key);
    if (at == NULL) {
        if (PyErr_Occurred())
            return -1;
        if (missing) {
            key_error(key);
            return -1;
        }
        return -2;
    }
    Py_ssize_t i = PyLong_AsSsize_t(at);
    if (i == -1 && PyErr_Occurred())
        return -1;
    if (i < 0 || i >= PyTuple_GET_SIZE(self)) {
        PyErr_SetString(PyExc_IndexError, "a map's _index points past its values");
        return -1;
    }
    return i;
}

static PyObject *
map_subscript(PyObject *self, PyObject *key)
{
    Py_ssize_t i = position(self, key, 1);
    if (i < 0)
        return NULL;
    return Py_NewRef(PyTuple_GET_ITEM(self, i));
}

static int
map_contains(PyObject *self, PyObject *key)
{
    Py_ssize_t i = position(self, key, 0);
    return i >= 0 ? 1 : i == -2 ? 0 : -1;
}

static PyObject *
map_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!_PyArg_CheckPositional("get", nargs, 1, 2))
        return NULL;
    Py_ssize_t i = position(self, args[0], 0);
    if (i >= 0)
        return Py_NewRef(PyTuple_GET_ITEM(self, i));
    if (i == -1)
        return NULL;
    return Py_NewRef(nargs == 2 ? args[1] : Py_None);
}

/* A copy of self (same class) with the value at position i replaced by value. */
static PyObject *
replaced(PyObject *self, Py_ssize_t i, PyObject *value)
{
    PyTypeObject *type = Py_TYPE(self);
    Py_ssize_t n = PyTuple_GET_SIZE(self);
    PyObject *copy = type->tp_alloc(type, n);
    if (copy == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++)
        PyTuple_SET_ITEM(copy, k, Py_NewRef(k == i ? value : PyTuple_GET_ITEM(self, k)));
    return copy;
}

static PyObject *
map_set(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!_PyArg_CheckPositional("set", nargs, 2, 2))
        return NULL;
    Py_ssize_t i = position(self, args[0], 1);
    if (i < 0)
        return NULL;
    return replaced(self, i, args[1]);
}

static PyObject *
map_values(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyTuple_GetSlice(self, 0, PyTuple_GET_SIZE(self));  /* a plain tuple of the values, in key order */
}

static PyObject *
map_iter(PyObject *self)
{
    PyObject *keys = class_attribute(self, str_keys);
    return keys == NULL ? NULL : PyObject_GetIter(keys);
}

/* Equal only to a map of the same class (over the same keys) with equal values; the order operators
 * are the tuple's, as for a tuple subclass that defines only __eq__ and __ne__. */
static PyObject *
same_type_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op == Py_EQ || op == Py_NE) && Py_TYPE(a) != Py_TYPE(b)) {
        if (op == Py_EQ)
            Py_RETURN_FALSE;
        Py_RETURN_TRUE;
    }
    return PyTuple_Type.tp_richcompare(a, b, op);
}

static PyMappingMethods map_as_mapping = {0};   /* filled in at import: tuple's length, our subscript */
static PySequenceMethods map_as_sequence = {0}; /* tuple's, with our contains */

static PyMethodDef map_methods[] = {
    {"get", (PyCFunction)(void (*)(void))map_get, METH_FASTCALL,
     "get(key, default=None): the value of key, or default when key is not one of the map's keys."},
    {"set", (PyCFunction)(void (*)(void))map_set, METH_FASTCALL,
     "set(key, value): a copy with key sent to value."},
    {"values", map_values, METH_NOARGS, "values(): the values as a plain tuple, in the order of the keys."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MapBase = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker._values.MapBase",
    .tp_basicsize = sizeof(PyTupleObject),  /* a tuple's, plus a word after the items (see the top) */
    .tp_itemsize = sizeof(PyObject *),
    .tp_doc = "The C base of FrozenMap: reads, updates and equality at C speed.",
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_TUPLE_SUBCLASS,
    .tp_as_mapping = &map_as_mapping,
    .tp_as_sequence = &map_as_sequence,
    .tp_richcompare = same_type_richcompare,
    .tp_iter = map_iter,
    .tp_methods = map_methods,
};

/* -- records ---------------------------------------------------------------------------------- */

/* r.set(field=value, ...): a copy with the named fields replaced; the class's `_field_index` (field name ->
 * position) finds them. The same errors as a Python function with keyword-only parameters. */
static PyObject *
record_set(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyTypeObject *type = Py_TYPE(self);
    Py_ssize_t n = PyTuple_GET_SIZE(self), given = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *index = _PyType_Lookup(type, str_field_index), *copy;
    if (nargs != 0) {
        PyErr_Format(PyExc_TypeError, "set() takes 0 positional arguments but %zd were given", nargs);
        return NULL;
    }
    if (index == NULL || !PyDict_Check(index)) {
        PyErr_Format(PyExc_TypeError, "%.100s has no _field_index: build records with checker.record", type->tp_name);
        return NULL;
    }
    copy = type->tp_alloc(type, n);
    if (copy == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++)
        PyTuple_SET_ITEM(copy, k, Py_NewRef(PyTuple_GET_ITEM(self, k)));
    for (Py_ssize_t j = 0; j < given; j++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, j), *at = PyDict_GetItemWithError(index, name);
        Py_ssize_t k;
        if (at == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "set() got an unexpected keyword argument '%U'", name);
            Py_DECREF(copy);
            return NULL;
        }
        k = PyLong_AsSsize_t(at);
        if (k < 0 || k >= n) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "%.100s._field_index is corrupt", type->tp_name);
            Py_DECREF(copy);
            return NULL;
        }
        Py_SETREF(((PyTupleObject *)copy)->ob_item[k], Py_NewRef(args[j]));
    }
    return copy;
}

static PyMethodDef record_methods[] = {
    {"set", (PyCFunction)(void (*)(void))record_set, METH_FASTCALL | METH_KEYWORDS,
     "set(field=value, ...): a copy with the given fields replaced."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RecordBase = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker._values.RecordBase",
    .tp_basicsize = sizeof(PyTupleObject),
    .tp_itemsize = sizeof(PyObject *),
    .tp_doc = "The C base of records: equal only to records of their own type; set(field=value) at C speed.",
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_TUPLE_SUBCLASS,
    .tp_richcompare = same_type_richcompare,
    .tp_methods = record_methods,
};


/* -- record fields ----------------------------------------------------------------------------- */

/* field(cls, name, i): a read-only member descriptor for item i of cls's instances. CPython specializes
 * an attribute read through a member descriptor to a load at a fixed offset (3.11's LOAD_ATTR_SLOT),
 * where namedtuple's item getters take the generic attribute path: `s.votes` costs about a third. */
static PyObject *
field(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!_PyArg_CheckPositional("field", nargs, 3, 3))
        return NULL;
    if (!PyType_Check(args[0]) || !PyType_IsSubtype((PyTypeObject *)args[0], &RecordBase) ||
        !PyUnicode_Check(args[1]) || !PyLong_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "field(cls, name, i): cls a record class, name a str, i an int");
        return NULL;
    }
    Py_ssize_t i = PyLong_AsSsize_t(args[2]);
    if (i < 0 || i > 1000) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "field(cls, name, i): i out of range");
        return NULL;
    }
    const char *utf8 = PyUnicode_AsUTF8(args[1]);
    if (utf8 == NULL)
        return NULL;
    /* The definition lives as long as the descriptor may: for the life of the process (a few per record class). */
    PyMemberDef *def = PyMem_Calloc(1, sizeof(PyMemberDef));
    char *name = PyMem_Malloc(strlen(utf8) + 1);
    if (def == NULL || name == NULL) {
        PyMem_Free(def);
        PyMem_Free(name);
        return PyErr_NoMemory();
    }
    strcpy(name, utf8);
    def->name = name;
    def->type = T_OBJECT_EX;
    def->offset = offsetof(PyTupleObject, ob_item) + i * sizeof(PyObject *);
    def->flags = READONLY;
    def->doc = NULL;
    return PyDescr_NewMember((PyTypeObject *)args[0], def);
}

static PyMethodDef module_methods[] = {
    {"field", (PyCFunction)(void (*)(void))field, METH_FASTCALL,
     "field(cls, name, i): a read-only attribute reading item i of a record, at the speed of a slot."},
    {NULL, NULL, 0, NULL},
};


/* -- the module ------------------------------------------------------------------------------- */

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "checker._values",
    "C bases for checker/values.py: FrozenMap's reads and updates, and record equality, at C speed.",
    -1, module_methods,
};

PyMODINIT_FUNC
PyInit__values(void)
{
    str_index = PyUnicode_InternFromString("_index");
    str_keys = PyUnicode_InternFromString("_keys");
    str_field_index = PyUnicode_InternFromString("_field_index");
    if (str_index == NULL || str_keys == NULL || str_field_index == NULL)
        return NULL;
    map_as_mapping.mp_length = PyTuple_Type.tp_as_mapping->mp_length;
    map_as_mapping.mp_subscript = map_subscript;
    map_as_sequence = *PyTuple_Type.tp_as_sequence;
    map_as_sequence.sq_contains = map_contains;
    PyTypeObject *types[] = {&MapBase, &RecordBase};
    for (int t = 0; t < 2; t++) {
        types[t]->tp_base = &PyTuple_Type;
        types[t]->tp_hash = PyTuple_Type.tp_hash;  /* defining tp_richcompare would otherwise drop it */
        if (PyType_Ready(types[t]) < 0)
            return NULL;
    }
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "MapBase", (PyObject *)&MapBase) < 0 ||
        PyModule_AddObjectRef(module, "RecordBase", (PyObject *)&RecordBase) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
