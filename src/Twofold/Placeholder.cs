namespace Twofold; public static class Placeholder {}
