#ifndef LIFELONG_EDGE_STARTUP_H
#define LIFELONG_EDGE_STARTUP_H
// `lifelong-edge`'s process setup that must run before main, before any thread starts.
// Nothing to call: the constructor in EdgeStartup.c runs when the executable is loaded.
#endif
