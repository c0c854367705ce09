use verso::{Entity, Meta};

#[derive(Clone, Debug)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Clone, Debug, Entity)]
struct Shape {
    meta: Meta,
    origin: Point,
}

fn main() {}
