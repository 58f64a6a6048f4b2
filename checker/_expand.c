/* checker/_expand.c: breadth-first search's hot loop (checker/bfs.py's _expand_level) in C.
 *
 * Expander(...).level(level, base, level_keys) generates every successor of one BFS level and returns
 * the next level, exactly as the Python loop in bfs.py does (the same calls in the same order, the same
 * counts): for each state, each action, each argument tuple, the action's call; for each successor its
 * fingerprint, the seen set, the constraint, storing, the invariants and the step checks. Everything
 * rare goes back to Python through the search's own methods (beyond, violate, check_state, the limits),
 * so this file holds no decision of its own. bfs.py keeps the Python loop as the definition and for when
 * this module is not built; tests/test_expand.py holds the two to the same results.
 *
 * An action's argument tuples come as one of four plans (built by checker/compiled.py):
 *   STATIC     a list of tuples;
 *   DYNAMIC    a function of the state giving an iterable of tuples;
 *   DEPENDENT2 (p, q) with p from a tuple (or a function of the state) and q from a function of (s, p);
 *   DYNAMIC1   a function of the state giving an iterable of single values;
 *   PRODUCT2   (p, q) with p from a and q from b, each a collection or a function of the state.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "structmember.h"

enum { STATIC = 0, DYNAMIC = 1, DEPENDENT2 = 2, DYNAMIC1 = 3, PRODUCT2 = 4 };
#define MAX_STACK 9 /* the state and up to 8 arguments go on the C stack; more go through a tuple */

typedef struct {
    PyObject *fn;  /* the bound action */
    int kind;
    PyObject *a, *b;
} Plan;

typedef struct {
    PyObject_HEAD
    Py_ssize_t nplans;
    Plan *plans;
    Py_ssize_t nactions;
    Py_ssize_t *fired, *fresh;  /* per action, during one level call */
    PyObject *fired_list, *new_list;  /* the search's coverage counters, updated at the end of a level */
    PyObject *ticks;            /* [flag, look]: look(ticks) runs before an action call when flag is True */
    PyObject *fingerprint, *seen, *fps_append, *parents_append;  /* seen: a set or a store's FpSet */
    PyObject *constraint;       /* or None */
    PyObject *invariants;       /* tuple of (name, predicate) */
    PyObject *violated;         /* dict */
    PyObject *state_types;      /* frozenset of the initial states' types */
    PyObject *multi;            /* r -> list of successors (or TypeError) for a result not of a state type */
    PyObject *beyond, *violate, *check_state, *pending;
    PyObject *step_checks;      /* s -> tuple of (name, check of t), or None when there are no step properties */
    PyObject *step_violation;   /* (name, si, ai, args, t): a failed step check */
    PyObject *differs;          /* or None */
    PyObject *expanding;        /* (s, key) before s is expanded */
    PyObject *limit;            /* () raises Stop: --max-states reached */
    PyObject *deadlock;         /* (si, s) when s has no successor; or None */
    PyObject *invariant_kind;   /* "invariant" */
    PyObject *seen_add;         /* seen.add */
    PyObject *ais_append;       /* per new state, its action's index (parallel workers); or None */
    PyObject *graph;            /* for liveness: a checker/graph.py Recorder told every step; or None */
    PyObject *g_expand, *g_new;  /* its expand(si) and new(key, t), called per state */
    PyObject *g_step;           /* non-NULL when there is a graph: its steps are written here, in C (record) */
    PyObject *g_index, *g_label_of, *g_labels, *g_names, *g_kinds_append, *g_targets_append, *g_beyond;
    int known;                  /* a stored key is the state's identity (expanding gets it) */
    long long max_states, stored, generated;
    Py_ssize_t si;              /* the index of the state being expanded */
    PyObject *nxt;              /* the next level being built */
} Expander;

/* The work of one expanded state, passed down to the successor handling. */
typedef struct {
    PyObject *s, *sfp, *si, *transitions;
    Py_ssize_t ai;
    PyObject *ai_obj;
} Here;

static int
truth(PyObject *v)
{
    if (v == NULL)
        return -1;
    int r = v == Py_True ? 1 : v == Py_False ? 0 : PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

/* Call fn(args...) and drop the result; -1 with the error set when it raised. */
static int
call_void(PyObject *fn, PyObject *const *argv, Py_ssize_t n)
{
    PyObject *r = PyObject_Vectorcall(fn, argv, n, NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* Each (name, predicate) of pairs on t; a failure of a property not violated yet is reported by calling
 * report(name, kind, si, ai, args, t), or report(name, si, ai, args, t) when kind is NULL. */
static int
judge(Expander *e, Here *h, PyObject *args, PyObject *t, PyObject *pairs, PyObject *report, PyObject *kind)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(pairs); i++) {
        PyObject *pair = PyTuple_GET_ITEM(pairs, i);
        PyObject *name = PyTuple_GET_ITEM(pair, 0);
        int holds = truth(PyObject_Vectorcall(PyTuple_GET_ITEM(pair, 1), &t, 1, NULL));
        if (holds < 0)
            return -1;
        if (holds)
            continue;
        int known = PyDict_Contains(e->violated, name);
        if (known < 0)
            return -1;
        if (!known) {
            PyObject *with_kind[] = {name, kind, h->si, h->ai_obj, args, t};
            PyObject *without[] = {name, h->si, h->ai_obj, args, t};
            if (kind == NULL ? call_void(report, without, 5) : call_void(report, with_kind, 6))
                return -1;
        }
    }
    return 0;
}

/* The graph's record of one step of here.s by action here.ai with args, to the state stored under key (NULL:
 * beyond the constraint), as checker/graph.py's Recorder.step writes it: label (name, args) numbered on first
 * sight, then the label's number and the target's. */
static int
record(Expander *e, Here *h, PyObject *args, PyObject *key)
{
    PyObject *target = e->g_beyond;
    if (key != NULL) {
        target = PyDict_GetItemWithError(e->g_index, key);  /* borrowed */
        if (target == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_KeyError, "graph: a step to a state the graph has not numbered");
            return -1;
        }
    }
    PyObject *label_key = PyTuple_Pack(2, PyList_GET_ITEM(e->g_names, h->ai), args);
    if (label_key == NULL)
        return -1;
    int ok = -1;
    PyObject *label = PyDict_GetItemWithError(e->g_label_of, label_key);  /* borrowed */
    if (label != NULL) {
        Py_INCREF(label);
    } else {
        if (PyErr_Occurred())
            goto done;
        label = PyLong_FromSsize_t(PyList_GET_SIZE(e->g_labels));
        if (label == NULL)
            goto done;
        if (PyDict_SetItem(e->g_label_of, label_key, label) < 0 || PyList_Append(e->g_labels, label_key) < 0) {
            Py_DECREF(label);
            goto done;
        }
    }
    ok = call_void(e->g_kinds_append, &label, 1) < 0 || call_void(e->g_targets_append, &target, 1) < 0 ? -1 : 0;
    Py_DECREF(label);
done:
    Py_DECREF(label_key);
    return ok;
}

/* One successor t of here.s by action here.ai with arguments args (already counted as generated). */
static int
successor(Expander *e, Here *h, PyObject *args, PyObject *t)
{
    if (t == h->s) {  /* a stutter: nothing new, nothing to check */
        return e->g_step != NULL ? record(e, h, args, h->sfp) : 0;
    }
    PyObject *fp = PyObject_Vectorcall(e->fingerprint, &t, 1, NULL);
    if (fp == NULL)
        return -1;
    int ok = -1;
    int seen = PySet_CheckExact(e->seen) ? PySet_Contains(e->seen, fp) : PySequence_Contains(e->seen, fp);
    if (seen < 0)
        goto done;
    if (seen && e->g_step != NULL && record(e, h, args, fp) < 0)
        goto done;
    if (!seen) {
        int inside = 1;
        if (e->constraint != Py_None) {
            inside = truth(PyObject_Vectorcall(e->constraint, &t, 1, NULL));
            if (inside < 0)
                goto done;
        }
        if (!inside) {
            PyObject *argv[] = {fp, h->si, h->ai_obj, args, t};
            if (call_void(e->beyond, argv, 5) < 0)
                goto done;
            if (e->g_step != NULL && record(e, h, args, NULL) < 0)
                goto done;
        } else {
            if ((PySet_CheckExact(e->seen) ? PySet_Add(e->seen, fp) : call_void(e->seen_add, &fp, 1)) < 0 ||
                call_void(e->fps_append, &fp, 1) < 0 ||
                call_void(e->parents_append, &h->si, 1) < 0 || PyList_Append(e->nxt, t) < 0 ||
                (e->ais_append != Py_None && call_void(e->ais_append, &h->ai_obj, 1) < 0))
                goto done;
            if (e->g_new != NULL) {
                PyObject *made[] = {fp, t};
                if (call_void(e->g_new, made, 2) < 0 || record(e, h, args, fp) < 0)
                    goto done;
            }
            e->fresh[h->ai]++;
            e->stored++;
            if (judge(e, h, args, t, e->invariants, e->violate, e->invariant_kind) < 0)
                goto done;
            if (PyList_GET_SIZE(e->pending)) {
                PyObject *argv[] = {h->si, h->ai_obj, args, t};
                if (call_void(e->check_state, argv, 4) < 0)
                    goto done;
            }
            if (e->max_states && e->stored >= e->max_states) {
                if (call_void(e->limit, NULL, 0) < 0)
                    goto done;
            }
        }
    }
    if (h->transitions != NULL && PyTuple_GET_SIZE(h->transitions)) {
        int steps = PyObject_RichCompareBool(fp, h->sfp, Py_NE);  /* stuttering steps satisfy [][A]_vars */
        if (steps < 0)
            goto done;
        if (!steps && e->differs != Py_None) {
            PyObject *argv[] = {h->s, t};
            steps = truth(PyObject_Vectorcall(e->differs, argv, 2, NULL));
            if (steps < 0)
                goto done;
        }
        if (steps && judge(e, h, args, t, h->transitions, e->step_violation, NULL) < 0)
            goto done;
    }
    ok = 0;
done:
    Py_DECREF(fp);
    return ok;
}

/* What an action call returned (not None): one state, or several through e->multi. Steals r. */
static int
outcomes(Expander *e, Here *h, PyObject *args, PyObject *r)
{
    int ok;
    int one = PySet_Contains(e->state_types, (PyObject *)Py_TYPE(r));
    if (one < 0) {
        Py_DECREF(r);
        return -1;
    }
    if (one) {
        e->generated++;
        e->fired[h->ai]++;
        ok = successor(e, h, args, r);
    } else {
        PyObject *many = PyObject_CallOneArg(e->multi, r);
        if (many == NULL) {
            Py_DECREF(r);
            return -1;
        }
        if (!PyList_CheckExact(many)) {
            PyErr_SetString(PyExc_TypeError, "multi must return a list");
            Py_DECREF(many);
            Py_DECREF(r);
            return -1;
        }
        e->generated += PyList_GET_SIZE(many);  /* all of them, as bfs.py counts, even if a violation stops the run */
        e->fired[h->ai] += PyList_GET_SIZE(many);
        ok = 0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(many) && ok == 0; i++)
            ok = successor(e, h, args, PyList_GET_ITEM(many, i));
        Py_DECREF(many);
    }
    Py_DECREF(r);
    return ok;
}

/* Before an action call: the ticker's flag, and when raised, the search's look at its limits. */
static inline int
tick(Expander *e)
{
    if (PyList_GET_ITEM(e->ticks, 0) != Py_True)
        return 0;
    PyObject *look = PyList_GET_ITEM(e->ticks, 1);
    Py_INCREF(look);
    int ok = call_void(look, &e->ticks, 1);
    Py_DECREF(look);
    return ok;
}

/* fn(s, *args) for an argument tuple; the tuple is the args reported with its successors. */
static int
call_tuple(Expander *e, Here *h, PyObject *fn, PyObject *tuple)
{
    if (!PyTuple_Check(tuple)) {
        PyErr_Format(PyExc_TypeError, "an action's argument tuples must be tuples, not %.100s", Py_TYPE(tuple)->tp_name);
        return -1;
    }
    if (tick(e) < 0)
        return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    PyObject *r;
    if (n + 1 <= MAX_STACK) {
        PyObject *stack[MAX_STACK];
        stack[0] = h->s;
        for (Py_ssize_t i = 0; i < n; i++)
            stack[i + 1] = PyTuple_GET_ITEM(tuple, i);
        r = PyObject_Vectorcall(fn, stack, n + 1, NULL);
    } else {
        PyObject *all = PyTuple_New(n + 1);
        if (all == NULL)
            return -1;
        Py_INCREF(h->s);
        PyTuple_SET_ITEM(all, 0, h->s);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *x = PyTuple_GET_ITEM(tuple, i);
            Py_INCREF(x);
            PyTuple_SET_ITEM(all, i + 1, x);
        }
        r = PyObject_Call(fn, all, NULL);
        Py_DECREF(all);
    }
    if (r == NULL)
        return -1;
    if (r == Py_None) {
        Py_DECREF(r);
        return 0;
    }
    return outcomes(e, h, tuple, r);
}

/* fn(s, x) or fn(s, x, y) with arguments given one by one; the args tuple is built only for a result. */
static int
call_values(Expander *e, Here *h, PyObject *fn, PyObject *x, PyObject *y)
{
    if (tick(e) < 0)
        return -1;
    PyObject *stack[3] = {h->s, x, y};
    PyObject *r = PyObject_Vectorcall(fn, stack, y == NULL ? 2 : 3, NULL);
    if (r == NULL)
        return -1;
    if (r == Py_None) {
        Py_DECREF(r);
        return 0;
    }
    PyObject *args = y == NULL ? PyTuple_Pack(1, x) : PyTuple_Pack(2, x, y);
    if (args == NULL) {
        Py_DECREF(r);
        return -1;
    }
    int ok = outcomes(e, h, args, r);
    Py_DECREF(args);
    return ok;
}

/* A parameter's values as a fast sequence (new reference): d itself when a collection, else d(s) or
 * d(s, x) when x is given. */
static PyObject *
domain(PyObject *d, PyObject *s, PyObject *x)
{
    PyObject *values;
    if (x != NULL) {
        PyObject *argv[] = {s, x};
        values = PyObject_Vectorcall(d, argv, 2, NULL);
    } else if (PyTuple_CheckExact(d) || PyList_CheckExact(d)) {
        return Py_NewRef(d);
    } else if (PyCallable_Check(d)) {
        values = PyObject_CallOneArg(d, s);
    } else {
        values = Py_NewRef(d);
    }
    if (values == NULL)
        return NULL;
    PyObject *fast = PySequence_Fast(values, "a parameter's domain must be a collection");
    Py_DECREF(values);
    return fast;
}

/* Every call of one action on here.s, in its plan's order. */
static int
run_plan(Expander *e, Here *h, Plan *p)
{
    PyObject *fn = p->fn;
    if (p->kind == STATIC) {
        PyObject *tuples = p->a;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tuples); i++)
            if (call_tuple(e, h, fn, PyList_GET_ITEM(tuples, i)) < 0)
                return -1;
        return 0;
    }
    if (p->kind == DEPENDENT2 || p->kind == PRODUCT2) {
        PyObject *outer = domain(p->a, h->s, NULL);
        if (outer == NULL)
            return -1;
        PyObject *inner = NULL;
        if (p->kind == PRODUCT2 && (inner = domain(p->b, h->s, NULL)) == NULL) {
            Py_DECREF(outer);
            return -1;
        }
        int ok = 0;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(outer) && ok == 0; i++) {
            PyObject *x = PySequence_Fast_GET_ITEM(outer, i);
            PyObject *values = inner;
            if (p->kind == DEPENDENT2 && (values = domain(p->b, h->s, x)) == NULL) {
                ok = -1;
                break;
            }
            for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(values) && ok == 0; j++)
                ok = call_values(e, h, fn, x, PySequence_Fast_GET_ITEM(values, j));
            if (values != inner)
                Py_DECREF(values);
        }
        Py_DECREF(outer);
        Py_XDECREF(inner);
        return ok;
    }
    /* DYNAMIC, DYNAMIC1: a function of the state */
    PyObject *domain = PyObject_CallOneArg(p->a, h->s);
    if (domain == NULL)
        return -1;
    PyObject *it = PyObject_GetIter(domain);
    Py_DECREF(domain);
    if (it == NULL)
        return -1;
    int ok = 0;
    PyObject *x;
    while (ok == 0 && (x = PyIter_Next(it)) != NULL) {
        ok = p->kind == DYNAMIC ? call_tuple(e, h, fn, x) : call_values(e, h, fn, x, NULL);
        Py_DECREF(x);
    }
    Py_DECREF(it);
    if (ok == 0 && PyErr_Occurred())
        ok = -1;
    return ok;
}

/* Expand one state: every plan, then the deadlock check. */
static int
expand(Expander *e, PyObject *s, PyObject *sfp)
{
    Here h = {s, sfp, NULL, NULL, 0, NULL};
    int ok = -1;
    h.si = PyLong_FromSsize_t(e->si);
    if (h.si == NULL)
        return -1;
    long long before = e->generated;
    {
        PyObject *argv[] = {s, e->known ? sfp : Py_None};
        if (call_void(e->expanding, argv, 2) < 0)
            goto done;
    }
    if (e->g_expand != NULL && call_void(e->g_expand, &h.si, 1) < 0)
        goto done;
    if (e->step_checks != Py_None) {
        h.transitions = PyObject_CallOneArg(e->step_checks, s);
        if (h.transitions == NULL)
            goto done;
        if (!PyTuple_Check(h.transitions)) {
            PyErr_SetString(PyExc_TypeError, "step_checks must return a tuple");
            goto done;
        }
    }
    for (Py_ssize_t k = 0; k < e->nplans; k++) {
        Plan *p = &e->plans[k];
        h.ai = k;
        h.ai_obj = PyLong_FromSsize_t(k);
        if (h.ai_obj == NULL)
            goto done;
        int r = run_plan(e, &h, p);
        Py_CLEAR(h.ai_obj);
        if (r < 0)
            goto done;
    }
    if (e->deadlock != Py_None && e->generated == before) {
        PyObject *argv[] = {h.si, s};
        if (call_void(e->deadlock, argv, 2) < 0)
            goto done;
    }
    ok = 0;
done:
    Py_XDECREF(h.si);
    Py_XDECREF(h.transitions);
    Py_XDECREF(h.ai_obj);
    return ok;
}

/* Add this level's per-action counts to the search's lists. */
static int
flush_counts(Expander *e)
{
    for (Py_ssize_t i = 0; i < e->nactions; i++) {
        Py_ssize_t adds[2] = {e->fired[i], e->fresh[i]};
        PyObject *lists[2] = {e->fired_list, e->new_list};
        for (int j = 0; j < 2; j++) {
            if (!adds[j])
                continue;
            PyObject *old = PyList_GetItem(lists[j], i);
            if (old == NULL)
                return -1;
            Py_ssize_t was = PyLong_AsSsize_t(old);
            if (was == -1 && PyErr_Occurred())
                return -1;
            PyObject *now = PyLong_FromSsize_t(was + adds[j]);
            if (now == NULL || PyList_SetItem(lists[j], i, now) < 0)
                return -1;
        }
        e->fired[i] = e->fresh[i] = 0;
    }
    return 0;
}

static PyObject *
expander_level(Expander *e, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 3 || nargs > 4 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "level(level: list, base: int, keys: sequence, stored: int = base + len(level))");
        return NULL;
    }
    PyObject *level = args[0];
    Py_ssize_t base = PyLong_AsSsize_t(args[1]);
    if (base == -1 && PyErr_Occurred())
        return NULL;
    PyObject *keys = args[2];
    Py_ssize_t n = PyList_GET_SIZE(level);
    Py_XSETREF(e->nxt, PyList_New(0));
    if (e->nxt == NULL)
        return NULL;
    e->stored = base + n;  /* the states stored so far: those before the level, and the level's */
    if (nargs == 4 && (e->stored = PyLong_AsLongLong(args[3])) == -1 && PyErr_Occurred())
        return NULL;
    int ok = 0;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(level) && ok == 0; k++) {
        e->si = base + k;
        PyObject *s = PyList_GET_ITEM(level, k);
        Py_INCREF(s);
        PyObject *sfp = PySequence_GetItem(keys, k);
        ok = sfp == NULL ? -1 : expand(e, s, sfp);
        Py_XDECREF(sfp);
        Py_DECREF(s);
    }
    if (ok < 0) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        if (flush_counts(e) < 0)
            PyErr_Clear();
        PyErr_Restore(type, value, tb);
        return NULL;
    }
    if (flush_counts(e) < 0)
        return NULL;
    return Py_NewRef(e->nxt);
}

static void
expander_dealloc(Expander *e)
{
    for (Py_ssize_t i = 0; i < e->nplans; i++) {
        Py_XDECREF(e->plans[i].fn);
        Py_XDECREF(e->plans[i].a);
        Py_XDECREF(e->plans[i].b);
    }
    PyMem_Free(e->plans);
    PyMem_Free(e->fired);
    PyMem_Free(e->fresh);
    PyObject **refs[] = {&e->fired_list, &e->new_list, &e->ticks, &e->fingerprint, &e->seen, &e->fps_append,
                         &e->parents_append, &e->constraint, &e->invariants, &e->violated, &e->state_types,
                         &e->multi, &e->beyond, &e->violate, &e->check_state, &e->pending, &e->step_checks,
                         &e->step_violation, &e->differs, &e->expanding, &e->limit, &e->deadlock,
                         &e->invariant_kind, &e->nxt, &e->seen_add, &e->ais_append, &e->graph, &e->g_expand,
                         &e->g_new, &e->g_step, &e->g_index, &e->g_label_of, &e->g_labels, &e->g_names,
                         &e->g_kinds_append, &e->g_targets_append, &e->g_beyond};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
        Py_CLEAR(*refs[i]);
    Py_TYPE(e)->tp_free((PyObject *)e);
}

static const char *KEYWORDS[] = {
    "plans", "fired", "new", "ticks", "fingerprint", "seen", "fps_append", "parents_append", "constraint",
    "invariants", "violated", "state_types", "multi", "beyond", "violate", "check_state", "pending",
    "step_checks", "step_violation", "differs", "expanding", "limit", "deadlock", "known", "max_states",
    "generated", "ais_append", "graph", NULL};

static PyObject *
expander_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *plans, *ais_append = Py_None, *graph = Py_None;
    Expander *e = (Expander *)type->tp_alloc(type, 0);
    if (e == NULL)
        return NULL;
    if (!PyArg_ParseTupleAndKeywords(
            args, kwds, "O!O!O!O!" "O" "O" "OOOO" "O!O!" "OOOOOOOOOOO" "pLL|OO", (char **)KEYWORDS, &PyList_Type, &plans,
            &PyList_Type, &e->fired_list, &PyList_Type, &e->new_list, &PyList_Type, &e->ticks, &e->fingerprint,
            &e->seen, &e->fps_append, &e->parents_append, &e->constraint, &e->invariants,
            &PyDict_Type, &e->violated, &PyFrozenSet_Type, &e->state_types, &e->multi, &e->beyond, &e->violate,
            &e->check_state, &e->pending, &e->step_checks, &e->step_violation, &e->differs, &e->expanding,
            &e->limit, &e->deadlock, &e->known, &e->max_states, &e->generated, &ais_append, &graph)) {
        memset(&e->fired_list, 0, sizeof(PyObject *) * 22); /* nothing was taken: drop no reference */
        Py_DECREF(e);
        return NULL;
    }
    PyObject **refs[] = {&e->fired_list, &e->new_list, &e->ticks, &e->fingerprint, &e->seen, &e->fps_append,
                         &e->parents_append, &e->constraint, &e->invariants, &e->violated, &e->state_types,
                         &e->multi, &e->beyond, &e->violate, &e->check_state, &e->pending, &e->step_checks,
                         &e->step_violation, &e->differs, &e->expanding, &e->limit, &e->deadlock};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
        Py_INCREF(*refs[i]);
    e->ais_append = Py_NewRef(ais_append);
    e->graph = Py_NewRef(graph);
    if (graph != Py_None) {
        e->g_expand = PyObject_GetAttrString(graph, "expand");
        e->g_new = PyObject_GetAttrString(graph, "new");
        e->g_index = PyObject_GetAttrString(graph, "index");
        e->g_label_of = PyObject_GetAttrString(graph, "label_of");
        e->g_labels = PyObject_GetAttrString(graph, "labels");
        e->g_names = PyObject_GetAttrString(graph, "names");
        PyObject *kinds = PyObject_GetAttrString(graph, "kinds"), *targets = PyObject_GetAttrString(graph, "targets");
        if (kinds != NULL && targets != NULL) {
            e->g_kinds_append = PyObject_GetAttrString(kinds, "append");
            e->g_targets_append = PyObject_GetAttrString(targets, "append");
        }
        Py_XDECREF(kinds);
        Py_XDECREF(targets);
        e->g_beyond = PyLong_FromLong(-1);
        if (e->g_index == NULL || e->g_label_of == NULL || e->g_labels == NULL || e->g_names == NULL ||
            e->g_kinds_append == NULL || e->g_targets_append == NULL || e->g_beyond == NULL)
            goto fail;
        if (!PyDict_CheckExact(e->g_index) || !PyDict_CheckExact(e->g_label_of) || !PyList_CheckExact(e->g_labels) ||
            !PyList_CheckExact(e->g_names) || PyList_GET_SIZE(e->g_names) < PyList_GET_SIZE(plans)) {
            PyErr_SetString(PyExc_TypeError, "graph: index and label_of must be dicts, labels and names lists");
            goto fail;
        }
        e->g_step = Py_NewRef(graph);
        if (e->g_expand == NULL || e->g_new == NULL)
            goto fail;
    }
    e->invariant_kind = PyUnicode_InternFromString("invariant");
    if (e->invariant_kind == NULL)
        goto fail;
    e->seen_add = PyObject_GetAttrString(e->seen, "add");
    if (e->seen_add == NULL)
        goto fail;
    if (!PyTuple_Check(e->invariants) || !PyList_Check(e->pending) || PyList_GET_SIZE(e->ticks) != 2) {
        PyErr_SetString(PyExc_TypeError, "invariants must be a tuple, pending a list, ticks a list of two");
        goto fail;
    }
    e->nactions = PyList_GET_SIZE(e->fired_list);
    if (PyList_GET_SIZE(e->new_list) != e->nactions) {
        PyErr_SetString(PyExc_ValueError, "fired and new must have one counter per action");
        goto fail;
    }
    e->fired = PyMem_Calloc(e->nactions + 1, sizeof(Py_ssize_t));
    e->fresh = PyMem_Calloc(e->nactions + 1, sizeof(Py_ssize_t));
    e->nplans = PyList_GET_SIZE(plans);
    e->plans = PyMem_Calloc(e->nplans + 1, sizeof(Plan));
    if (e->fired == NULL || e->fresh == NULL || e->plans == NULL) {
        e->nplans = 0;
        PyErr_NoMemory();
        goto fail;
    }
    if (e->nplans != e->nactions) {
        e->nplans = 0;
        PyErr_SetString(PyExc_ValueError, "one plan per action");
        goto fail;
    }
    for (Py_ssize_t i = 0; i < e->nplans; i++) {
        Plan *p = &e->plans[i];
        PyObject *item = PyList_GET_ITEM(plans, i);
        if (!PyArg_ParseTuple(item, "OiOO", &p->fn, &p->kind, &p->a, &p->b)) {
            memset(p, 0, sizeof *p);
            goto fail;
        }
        Py_INCREF(p->fn);
        Py_INCREF(p->a);
        Py_INCREF(p->b);
        if (p->kind < STATIC || p->kind > PRODUCT2 || (p->kind == STATIC && !PyList_Check(p->a))) {
            PyErr_SetString(PyExc_ValueError, "a plan is (fn, kind, a, b) with kind 0..4; a static plan's a is a list");
            goto fail;
        }
    }
    return (PyObject *)e;
fail:
    Py_DECREF(e);
    return NULL;
}

/* The per-action counts of successors generated in the level under way, not yet added to the search's. */
static PyObject *
expander_pending_fired(Expander *e, PyObject *Py_UNUSED(ignored))
{
    PyObject *counts = PyList_New(e->nactions);
    for (Py_ssize_t i = 0; counts != NULL && i < e->nactions; i++) {
        PyObject *n = PyLong_FromSsize_t(e->fired[i]);
        if (n == NULL)
            Py_CLEAR(counts);
        else
            PyList_SET_ITEM(counts, i, n);
    }
    return counts;
}

static PyMemberDef expander_members[] = {
    {"si", T_PYSSIZET, offsetof(Expander, si), READONLY, "the index of the state being expanded (last)"},
    {"generated", T_LONGLONG, offsetof(Expander, generated), READONLY, "successors generated so far"},
    {"nxt", T_OBJECT, offsetof(Expander, nxt), READONLY, "the next level as built so far"},
    {NULL},
};

static PyMethodDef expander_methods[] = {
    {"level", (PyCFunction)(void (*)(void))expander_level, METH_FASTCALL,
     "level(level, base, keys, stored=base+len(level)): expand one BFS level (states numbered from base, keys "
     "their stored keys; stored: how many states are stored, for max_states); returns the next level."},
    {"pending_fired", (PyCFunction)expander_pending_fired, METH_NOARGS,
     "pending_fired(): per action, the successors generated in the level under way (not yet in fired)."},
    {NULL},
};

static PyTypeObject ExpanderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker._expand.Expander",
    .tp_basicsize = sizeof(Expander),
    .tp_dealloc = (destructor)expander_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The BFS level loop of checker/bfs.py, bound to one search.",
    .tp_new = expander_new,
    .tp_members = expander_members,
    .tp_methods = expander_methods,
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "checker._expand",
    "checker/bfs.py's level loop in C: the same calls, in the same order, with the same counts.",
    -1, NULL,
};

PyMODINIT_FUNC
PyInit__expand(void)
{
    if (PyType_Ready(&ExpanderType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "Expander", (PyObject *)&ExpanderType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
