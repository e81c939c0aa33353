// Provides std::ios_base_library_init(), which GCC 13's libstdc++ exports as
// _ZSt21ios_base_library_initv@GLIBCXX_3.4.32 and which libLibTorchSharp.so
// (TorchSharp 0.107.0) references. Older libstdc++ (GCC 12, Debian 12) lacks it.
// The file-scope object initialises the standard streams when this library is
// loaded, which GCC 13's libstdc++ would otherwise do on its own.
#include <ios>

static std::ios_base::Init twofold_ios_init;

namespace std { void ios_base_library_init() { static ios_base::Init init; } }
