/**
 * The storefront's routes (react-router's declarative mode: its data router would cost ~17 KB gzip
 * more of initial JavaScript for features this app does not use). The catalog, the landing page,
 * is in the initial bundle; every other page is its own chunk, loaded on first visit.
 */
import { lazy } from 'react';
import { Route, Routes } from 'react-router';
import { Layout } from './components/Layout';
import { Recommendations } from './components/Recommendations';
import { RequireAuth } from './components/RequireAuth';
import CatalogPage from './pages/CatalogPage';

const ProductPage = lazy(() => import('./pages/ProductPage'));
const CartPage = lazy(() => import('./pages/CartPage'));
const CheckoutPage = lazy(() => import('./pages/CheckoutPage'));
const OrderHistoryPage = lazy(() => import('./pages/OrderHistoryPage'));
const OrderStatusPage = lazy(() => import('./pages/OrderStatusPage'));
const SignInPage = lazy(() => import('./pages/SignInPage'));
const AuthCallbackPage = lazy(() => import('./pages/AuthCallbackPage'));
const SignedOutPage = lazy(() => import('./pages/SignedOutPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<CatalogPage />} />
        <Route path="products/:productId" element={<ProductPage Recommendations={Recommendations} />} />
        <Route path="cart" element={<CartPage />} />
        <Route path="signin" element={<SignInPage />} />
        <Route path="auth/callback" element={<AuthCallbackPage />} />
        <Route path="signed-out" element={<SignedOutPage />} />
        <Route element={<RequireAuth />}>
          <Route path="checkout" element={<CheckoutPage />} />
          <Route path="orders" element={<OrderHistoryPage />} />
          <Route path="orders/:orderId" element={<OrderStatusPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
