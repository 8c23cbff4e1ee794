// Placeholder entry; replaced by the real program in the next commit.
console.log('flink: under construction');
