"""Chapter 4, maths: back-propagation by hand, autograd from scratch, and the checks of 04a-04d."""
